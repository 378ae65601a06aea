import { randomUUID } from 'node:crypto';
import { type Database, isoTime, isPostgresUnavailable, logger } from '@ates/db';
import { AnalyticsUnavailableError, rebuildReadSide } from '@ates/db/analytics';
import { sql } from 'drizzle-orm';
import type { ApiDeps } from '../deps.ts';
import { conflict } from '../http/problem.ts';
import type { RebuildStatus } from './schemas.ts';

/** How long a rebuild stays with the process running it without word from it. */
const LEASE_SECONDS = 15;
/** How often the running process records its progress and renews its lease. */
const RECORD_EVERY_MS = 2_000;

export interface Rebuilds {
  /** Starts a rebuild in the background and returns at once; a conflict if one is running. */
  start(): Promise<RebuildStatus>;
  get(id: string): Promise<RebuildStatus | undefined>;
}

type RebuildRow = {
  id: string;
  state: RebuildStatus['state'];
  position: number;
  done: number;
  total: number;
  rejected: number;
  resumed: number;
  started_at: string;
  finished_at: string | null;
  error: string | null;
};

type RebuildDeps = Pick<ApiDeps, 'db' | 'bus' | 'analytics'>;

/**
 * Runs a rebuild of the analytics read side, kept in `analytics.rebuilds` so that any API process
 * reports one and takes it over when the process running it goes away (`resumeAbandonedRebuilds`).
 * A rebuild replays the log in short transactions, records how far it got every RECORD_EVERY_MS,
 * and resumes from there: a restart costs at most those seconds of replay again, which the inbox skips.
 */
function run({ db, bus, analytics }: RebuildDeps, row: RebuildRow) {
  let reached = { done: row.done, total: row.total, rejected: row.rejected, position: row.position };
  const record = () =>
    db.execute(sql`
      update analytics.rebuilds set position = ${reached.position}, done = ${reached.done}, total = ${reached.total},
        rejected = ${reached.rejected}, leased_until = now() + make_interval(secs => ${LEASE_SECONDS})
      where id = ${row.id} and state = 'running'`);
  const recording = setInterval(() => void record().catch(() => {}), RECORD_EVERY_MS);
  recording.unref();
  rebuildReadSide(db, bus, analytics, {
    fromPosition: row.position,
    onProgress: ({ done, total, rejected, position }) => {
      reached = {
        done: row.done + done,
        total: Math.max(row.done + total, reached.total),
        rejected: row.rejected + rejected,
        position,
      };
    },
  })
    .then(async () => {
      clearInterval(recording);
      await record();
      await finish(db, row.id, 'done');
      logger.info({ rebuild: row.id, events: reached.done, rejected: reached.rejected }, 'analytics rebuild done');
    })
    .catch(async (error: unknown) => {
      clearInterval(recording);
      // A store that went away stops the rebuild, not fails it: its lease runs out, and this
      // process or another resumes it from what it recorded.
      if (error instanceof AnalyticsUnavailableError || isPostgresUnavailable(error)) {
        logger.warn({ rebuild: row.id, err: error }, 'analytics rebuild interrupted; it resumes when its lease ends');
        return;
      }
      logger.error({ rebuild: row.id, err: error }, 'analytics rebuild failed');
      await finish(db, row.id, 'failed', error instanceof Error ? error.message : String(error)).catch(() => {});
    });
}

const finish = (db: Database, id: string, state: 'done' | 'failed', error: string | null = null) =>
  db.execute(sql`
    update analytics.rebuilds set state = ${state}, error = ${error}, finished_at = now()
    where id = ${id} and state = 'running'`);

/**
 * Takes over, now and every LEASE_SECONDS, the rebuilds whose lease ran out: their process went
 * away. Every API process runs it; the one whose update claims a rebuild goes on with it.
 * Returns what stops it.
 */
export function resumeAbandonedRebuilds(deps: RebuildDeps): () => void {
  const resume = async () => {
    const rows = await deps.db.execute<RebuildRow>(sql`
      update analytics.rebuilds set resumed = resumed + 1, leased_until = now() + make_interval(secs => ${LEASE_SECONDS})
      where state = 'running' and leased_until < now()
      returning ${ROW}`);
    for (const row of rows) {
      logger.info({ rebuild: row.id, from: row.position, done: row.done }, 'analytics rebuild resumed');
      run(deps, row);
    }
  };
  const watch = setInterval(() => void resume().catch(() => {}), LEASE_SECONDS * 1_000);
  watch.unref();
  void resume().catch(() => {});
  return () => clearInterval(watch);
}

/** Starts and reports rebuilds; making it touches no store. */
export function createRebuilds(deps: RebuildDeps): Rebuilds {
  const { db } = deps;
  return {
    async start() {
      const [row] = await db.execute<RebuildRow>(sql`
        insert into analytics.rebuilds (id, state, leased_until)
        values (${randomUUID()}, 'running', now() + make_interval(secs => ${LEASE_SECONDS}))
        on conflict do nothing
        returning ${ROW}`);
      if (!row) {
        const [running] = await db.execute<{ id: string }>(
          sql`select id from analytics.rebuilds where state = 'running'`,
        );
        throw conflict(`Rebuild ${running?.id} is running; follow it at /v1/analytics/rebuild/${running?.id}.`);
      }
      logger.info({ rebuild: row.id }, 'analytics rebuild started');
      run(deps, row);
      return toStatus(row);
    },
    async get(id) {
      const [row] = await db.execute<RebuildRow>(sql`select ${ROW} from analytics.rebuilds where id = ${id}`);
      return row && toStatus(row);
    },
  };
}

const ROW = sql.raw(`id, state, position::float8 as position, done, total, rejected, resumed,
  ${isoTime('started_at')} as started_at,
  ${isoTime('finished_at')} as finished_at, error`);

function toStatus(row: RebuildRow): RebuildStatus {
  return {
    id: row.id,
    state: row.state,
    done: row.done,
    total: Math.max(row.total, row.done),
    rejected: row.rejected,
    resumed: row.resumed,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: row.error,
  };
}
