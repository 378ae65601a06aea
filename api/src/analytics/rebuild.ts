import { randomUUID } from 'node:crypto';
import { logger } from '@ates/db';
import { rebuildReadSide } from '@ates/db/analytics/projection';
import { ADVISORY_LOCKS } from '@ates/db/postgres/advisory-locks';
import { sql } from 'drizzle-orm';
import type { ApiDeps } from '../deps.ts';
import { conflict } from '../http/problem.ts';
import type { RebuildStatus } from './schemas.ts';

export interface Rebuilds {
  /** Starts a rebuild in the background and returns at once; a conflict if one is running. */
  start(): Promise<RebuildStatus>;
  get(id: string): RebuildStatus | undefined;
}

/**
 * Rebuilds run in the API process, because chDB lives in the server process and only there. Their
 * progress is kept here, so `GET /v1/analytics/rebuild/{id}` answers from the process that started it.
 */
export function createRebuilds({ db, bus, analytics }: ApiDeps): Rebuilds {
  const runs = new Map<string, RebuildStatus>();

  async function start(): Promise<RebuildStatus> {
    const running = [...runs.values()].find((run) => run.state === 'running');
    if (running) throw conflict(`Rebuild ${running.id} is running; follow it at /v1/analytics/rebuild/${running.id}.`);
    const status: RebuildStatus = {
      id: randomUUID(),
      state: 'running',
      done: 0,
      total: 0,
      rejected: 0,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      error: null,
    };
    let held = false;
    let locked: (held: boolean) => void = () => {};
    const lockTaken = new Promise<boolean>((resolve) => {
      locked = resolve;
    });
    const run = db.transaction(async (tx) => {
      const [row] = await tx.execute<{ held: boolean }>(
        sql`select pg_try_advisory_xact_lock(${ADVISORY_LOCKS.rebuild}) as held`,
      );
      held = row?.held === true;
      locked(held);
      if (!held) return;
      const { rejected } = await rebuildReadSide(db, bus, analytics, (done, total) => {
        status.done = done;
        status.total = total;
      });
      status.rejected = rejected;
    });
    run.then(
      () => held && finish(status),
      (error: unknown) => held && finish(status, error),
    );
    if (!(await Promise.race([lockTaken, run.then(() => false)]))) {
      throw conflict('Another API process is rebuilding the analytics store; try again when it is done.');
    }
    runs.set(status.id, status);
    logger.info({ rebuild: status.id }, 'analytics rebuild started');
    return { ...status };
  }

  return {
    start,
    get: (id) => {
      const status = runs.get(id);
      return status && { ...status };
    },
  };
}

function finish(status: RebuildStatus, error?: unknown): void {
  status.finishedAt = new Date().toISOString();
  if (error === undefined) {
    status.state = 'done';
    logger.info({ rebuild: status.id, events: status.done, rejected: status.rejected }, 'analytics rebuild done');
    return;
  }
  status.state = 'failed';
  status.error = error instanceof Error ? error.message : String(error);
  logger.error({ rebuild: status.id, err: error }, 'analytics rebuild failed');
}
