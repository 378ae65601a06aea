import { sql } from 'drizzle-orm';
import type { ApiDeps } from '../deps.ts';
import type { OperationsState, ProcessState } from './schemas.ts';

const ISO = (column: string) => sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

/**
 * Where the installation stands, read from Postgres so that any API process tells the whole
 * story: its processes, each consumer's queue, lag and dead letters, the outbox, the last close
 * and the newest analytics rebuild. What `/metrics` and the admin's status both show.
 */
export async function readOperationsState({ db, bus }: Pick<ApiDeps, 'db' | 'bus'>): Promise<OperationsState> {
  const now = Date.now();
  const [processes, { undispatched, consumers }, [totals]] = await Promise.all([
    db.execute<ProcessState>(sql`
      select id, roles, host, pid, api_url as "apiUrl", ${ISO('started_at')} as "startedAt",
             ${ISO('seen_at')} as "lastSeenAt", seen_at > now() - interval '30 seconds' as live
      from bus.processes order by started_at`),
    bus.status(),
    db.execute<{ closed: string | null; rebuild: OperationsState['rebuild'] }>(sql`
      select (select max(business_day)::text from accounting.closed_days) as closed,
             (select json_build_object('id', id, 'state', state, 'done', done, 'total', greatest(total, done))
              from analytics.rebuilds order by started_at desc limit 1) as rebuild`),
  ]);
  return {
    checkedAt: new Date(now).toISOString(),
    processes: [...processes],
    bus: {
      undispatched,
      deadLetters: consumers.reduce((sum, consumer) => sum + consumer.deadLetters, 0),
      consumers: consumers.map((consumer) => ({
        ...consumer,
        oldestQueuedSeconds:
          consumer.oldestQueuedAt === null
            ? null
            : Math.max(0, Math.floor((now - Date.parse(consumer.oldestQueuedAt)) / 1000)),
      })),
    },
    lastClosedBusinessDay: totals?.closed ?? null,
    rebuild: totals?.rebuild ?? null,
  };
}
