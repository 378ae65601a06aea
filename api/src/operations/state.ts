import type { Database } from '@ates/db';
import { sql } from 'drizzle-orm';
import type { ConsumerState, OperationsState, ProcessState } from './schemas.ts';

const ISO = (column: string) => sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

/**
 * Where the installation stands, read from Postgres so that any API process tells the whole
 * story: its processes, each consumer's queue, lag and dead letters, the outbox, the last close
 * and the newest analytics rebuild. What `/metrics` and the admin's status both show.
 */
export async function readOperationsState(db: Database): Promise<OperationsState> {
  const [processes, consumers, [totals]] = await Promise.all([
    db.execute<ProcessState>(sql`
      select id, roles, host, pid, api_url as "apiUrl", ${ISO('started_at')} as "startedAt",
             ${ISO('seen_at')} as "lastSeenAt", seen_at > now() - interval '30 seconds' as live
      from bus.processes order by started_at`),
    db.execute<ConsumerState>(sql`
      select q.name as consumer,
             coalesce(j.queued, 0)::int as queued, coalesce(j.retrying, 0)::int as retrying,
             coalesce(j.oldest, 0)::float8 as "oldestUnappliedSeconds", coalesce(d.n, 0)::int as "deadLetters"
      from pgboss.queue q
      left join (
        select name, count(*) as queued, count(*) filter (where state = 'retry') as retrying,
               extract(epoch from now() - min(created_on)) as oldest
        from pgboss.job where state in ('created', 'retry', 'active') group by name) j on j.name = q.name
      left join (select name, count(*) as n from pgboss.job where state = 'created' group by name) d
        on d.name = q.name || '.dead'
      where q.name not like '%.dead' and q.name not like '\\_\\_%'
      order by q.name`),
    db.execute<{ outbox: number; closed: string | null; rebuild: OperationsState['rebuild'] }>(sql`
      select (select count(*) from bus.outbox)::int as outbox,
             (select max(business_day)::text from accounting.closed_days) as closed,
             (select json_build_object('id', id, 'state', state, 'done', done, 'total', greatest(total, done))
              from analytics.rebuilds order by started_at desc limit 1) as rebuild`),
  ]);
  return {
    processes: [...processes],
    consumers: [...consumers],
    outboxBatches: totals?.outbox ?? 0,
    lastClosedBusinessDay: totals?.closed ?? null,
    rebuild: totals?.rebuild ?? null,
  };
}
