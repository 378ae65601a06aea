import { createServer, type Server } from 'node:http';
import {
  connectPostgres,
  type Database,
  type EmbeddedPostgresHandle,
  logger,
  migratePostgres,
  type PostgresConnection,
  startEmbeddedPostgres,
  tasksPerHour,
} from '@ates/db';
import { type AnalyticsStore, openAnalyticsOnDemand } from '@ates/db/analytics';
import { EventBus } from '@ates/db/bus';
import { startWorkers } from '@ates/jobs';
import {
  type ApiSettings,
  apiSettings,
  createApp,
  ensureFirstAdmin,
  getRequestListener,
  hasEmployees,
  loadAuthSecret,
  resumeAbandonedRebuilds,
} from '../index.ts';
import { startHeartbeat } from './heartbeat.ts';

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
  settings: ApiSettings;
  bus: EventBus;
  analytics: AnalyticsStore;
  stop(): Promise<void>;
}

const REQUESTS_DRAIN_MS = 10_000;

/** Starts every store and then the API and/or the workers; `stop()` undoes it in reverse. */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { home, port, host = '127.0.0.1', api = true, workers = true } = options;
  // What the stores write in the home (chDB's parts, the outbox) is the owner's alone, like the home.
  process.umask(0o077);
  tasksPerHour();
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
    const conn = connectPostgres(databaseUrl);
    stops.push(() => conn.close());
    const authSecret = await loadAuthSecret(home, conn.db);
    if (options.databaseUrl && api && !process.env.ATES_AUTH_SECRET) {
      logger.warn(
        `the auth secret is ${home}/auth-secret: other API processes of this installation sign sessions with ` +
          'their own unless every one of them sets the same ATES_AUTH_SECRET',
      );
    }
    await migratePostgres(databaseUrl);
    const analytics = openAnalyticsOnDemand({ home, url: options.clickhouseUrl });
    stops.push(() => analytics.close());
    await analytics.ready().catch(() => {});
    const bus = new EventBus(databaseUrl, conn.db);
    await bus.start();
    stops.push(() => bus.stop());
    let apiUrl: string | undefined;
    let settings = apiSettings(`http://${host}:${port}`, authSecret);
    if (api) {
      // Listening first tells the port (0 picks one), hence the default public URL the app is built with.
      const server = await listen(port, host);
      stops.push(() => closeServer(server));
      const address = server.address();
      apiUrl = `http://${host}:${typeof address === 'object' && address ? address.port : port}`;
      settings = apiSettings(apiUrl, authSecret);
      server.on('request', getRequestListener(createApp({ db: conn.db, bus, analytics, settings }).fetch));
      const stopResuming = resumeAbandonedRebuilds({ db: conn.db, bus, analytics });
      stops.push(async () => stopResuming());
    }
    await provideFirstAdmin({ db: conn.db, bus, settings }, options.firstAdmin);
    if (workers) stops.push(await startWorkers({ db: conn.db, bus, analytics, home }));
    const heartbeat = await startHeartbeat(conn.db, {
      roles: [api && 'api', workers && 'workers'].filter((r) => r !== false),
      apiUrl,
    });
    stops.push(() => heartbeat.stop());
    return { apiUrl, databaseUrl, conn, settings, bus, analytics, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function provideFirstAdmin(
  deps: { db: Database; bus: EventBus; settings: ApiSettings },
  admin: RuntimeOptions['firstAdmin'],
) {
  const created = admin ? await ensureFirstAdmin(deps, admin) : undefined;
  if (created) logger.info({ email: created.email }, 'created the first admin');
  else if (!(await hasEmployees(deps))) {
    logger.warn(
      'no employee yet: stop the server and run `ates setup`, or start it with ATES_ADMIN_EMAIL and ATES_ADMIN_PASSWORD set',
    );
  }
}

/** The API's port is taken, most often by another `ates server start`. */
export class PortInUseError extends Error {
  constructor(host: string, port: number) {
    super(
      `Port ${port} on ${host} is already in use (another aTES?). ` +
        `Pick another with --port (or PORT), e.g. \`ates server start --port ${port + 1}\`.`,
    );
    this.name = 'PortInUseError';
  }
}

/** Stops taking connections; requests in flight get REQUESTS_DRAIN_MS to finish. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), REQUESTS_DRAIN_MS).unref();
  });
}

function listen(port: number, hostname: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(hostname, port) : error),
    );
    server.listen(port, hostname, () => resolve(server));
  });
}
