import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type Database, logger } from '@ates/db';
import { sql } from 'drizzle-orm';

const EVERY_MS = 5_000;

/**
 * Announces this process in `bus.processes` and renews the entry every EVERY_MS, so an admin's
 * status lists every process seen; `stop()` removes it. Entries of processes that died without
 * stopping age out: the status shows when each was last seen, and a day later they are purged.
 */
export async function startHeartbeat(
  db: Database,
  process_: { roles: string[]; apiUrl: string | undefined },
): Promise<{ stop(): Promise<void> }> {
  const id = randomUUID();
  const beat = () =>
    db.execute(sql`
      insert into bus.processes (id, roles, host, pid, api_url)
      values (${id}, ${`{${process_.roles.join(',')}}`}::text[], ${hostname()}, ${process.pid}, ${process_.apiUrl ?? null})
      on conflict (id) do update set seen_at = now()`);
  await beat();
  await db.execute(sql`delete from bus.processes where seen_at < now() - interval '1 day'`);
  const timer = setInterval(
    () => void beat().catch((err: unknown) => logger.warn({ err }, 'heartbeat not recorded')),
    EVERY_MS,
  );
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await db.execute(sql`delete from bus.processes where id = ${id}`);
    },
  };
}
