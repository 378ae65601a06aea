import { isoTimeSql } from '@ates/db';
import { sql } from 'drizzle-orm';
import type { ApiDeps } from '../deps.ts';
import type { OperationsState, ProcessState } from './schemas.ts';

/**
 * Where the installation stands, read from Postgres so that any API process tells the whole
 * story: its processes, each consumer's queue, lag and dead letters, the outbox, the last close
 * and the newest analytics rebuild. What `/metrics` and the admin's status both show.
 */
export async function readOperationsState({ db, bus }: Pick<ApiDeps, 'db' | 'bus'>): Promise<OperationsState> {
  const now = Date.now();
  const [processes, { undispatched, consumers }, [totals]] = await Promise.all([
    db.execute<ProcessState>(sql`
      select id, roles, host, pid, api_url as "apiUrl", ${isoTimeSql('started_at')} as "startedAt",
             ${isoTimeSql('seen_at')} as "lastSeenAt", seen_at > now() - interval '30 seconds' as live
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

export type WebhookEndpointState = {
  endpoint: string;
  pending: number;
  delivered: number;
  dead: number;
  failedAttempts: number;
  /** Age of the oldest delivery still pending: how far behind the endpoint is; 0 when caught up. */
  oldestPendingSeconds: number;
};

/** Per webhook endpoint: its deliveries by state, the attempts that failed, and its lag. */
export async function readWebhookState(db: ApiDeps['db']): Promise<WebhookEndpointState[]> {
  const rows = await db.execute<WebhookEndpointState>(sql`
    select e.id as endpoint,
           count(d.id) filter (where d.status = 'pending')::int as pending,
           count(d.id) filter (where d.status = 'delivered')::int as delivered,
           count(d.id) filter (where d.status = 'dead')::int as dead,
           coalesce((select count(*) from webhooks.attempts a join webhooks.deliveries f on f.id = a.delivery_id
                     where f.endpoint_id = e.id and (a.status_code is null or a.status_code not between 200 and 299)),
                    0)::int as "failedAttempts",
           coalesce(extract(epoch from now() - min(d.created_at) filter (where d.status = 'pending')), 0)::float8
             as "oldestPendingSeconds"
    from webhooks.endpoints e left join webhooks.deliveries d on d.endpoint_id = e.id
    group by e.id order by e.id`);
  return [...rows];
}
