import { createApp, ensureFirstAdmin, hasEmployees, type ServerType, serve } from '@ates/api';
import {
  type AnalyticsStore,
  connectPostgres,
  type Database,
  type EmbeddedPostgresHandle,
  EventBus,
  logger,
  migrateAnalytics,
  migratePostgres,
  openAnalyticsStore,
  type PostgresConnection,
  startEmbeddedPostgres,
} from '@ates/db';
import { startWorkers } from '@ates/jobs';

export interface RuntimeOptions {
  home: string;
  port: number;
  host?: string;
  api?: boolean;
  workers?: boolean;
  /** An external Postgres; without it an embedded one runs in `<home>/postgres`. */
  databaseUrl?: string;
  /** A ClickHouse server; without it chDB runs in `<home>/analytics`. */
  clickhouseUrl?: string;
  /** Created as the first admin when the database has no employee yet. */
  firstAdmin?: { email: string; password: string; fullName?: string };
}

export interface Runtime {
  apiUrl: string | undefined;
  databaseUrl: string;
  conn: PostgresConnection;
  bus: EventBus;
  analytics: AnalyticsStore;
  stop(): Promise<void>;
}

/** Starts every store and then the API and/or the workers; `stop()` undoes it in reverse. */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { home, port, host = '127.0.0.1', api = true, workers = true } = options;
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch((err) => logger.error({ err }, 'shutdown step failed'));
  };
  try {
    let databaseUrl = options.databaseUrl;
    if (!databaseUrl) {
      const postgres: EmbeddedPostgresHandle = await startEmbeddedPostgres(home);
      stops.push(() => postgres.stop());
      databaseUrl = postgres.url;
    }
    await migratePostgres(databaseUrl);
    const conn = connectPostgres(databaseUrl);
    stops.push(() => conn.close());
    const analytics = await openAnalyticsStore({ home, url: options.clickhouseUrl });
    stops.push(() => analytics.close());
    await migrateAnalytics(analytics);
    const bus = new EventBus(databaseUrl, conn.db);
    await bus.start();
    stops.push(() => bus.stop());
    await provideFirstAdmin({ db: conn.db, bus }, options.firstAdmin);
    if (workers) stops.push(await startWorkers({ db: conn.db, bus, analytics, home }));
    let apiUrl: string | undefined;
    if (api) {
      const app = createApp({ db: conn.db, bus, analytics });
      const server = await listen(app.fetch, port, host);
      stops.push(() => new Promise((resolve) => server.close(resolve)));
      const address = server.address();
      apiUrl = `http://${host}:${typeof address === 'object' && address ? address.port : port}`;
    }
    return { apiUrl, databaseUrl, conn, bus, analytics, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function provideFirstAdmin(deps: { db: Database; bus: EventBus }, admin: RuntimeOptions['firstAdmin']) {
  const created = admin ? await ensureFirstAdmin(deps, admin) : undefined;
  if (created) logger.info({ email: created.email }, 'created the first admin');
  else if (!(await hasEmployees(deps))) {
    logger.warn('no employee yet: run `ates setup`, or start with ATES_ADMIN_EMAIL and ATES_ADMIN_PASSWORD set');
  }
}

function listen(fetch: Parameters<typeof serve>[0]['fetch'], port: number, hostname: string): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, () => resolve(server));
    server.once('error', reject);
  });
}
