import { sql } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import type { Database } from '../postgres/client.ts';
import { isoTimeSql } from '../postgres/iso-time.ts';
import { type Delivery, isDelivery, type LogRow, sqlArray, storableText } from './log.ts';
import { consumers, deadLetterQueue } from './topology.ts';

export interface DeadLetter {
  id: string;
  consumer: string;
  delivery: Delivery;
  /** The events it carries, as the log holds them: a poison event's fields may be anything. */
  events: { eventId: string; eventName: string; eventVersion: number | null }[];
  failedAt: string;
  /** Attempts made before it was dead-lettered (1 for a poison event, which is never retried). */
  attempts: number;
  /** The last failure, or why the event is poison. */
  reason: string | null;
}

/** Where a page of dead letters ends: the next page starts after it. */
export interface DeadLetterCursor {
  failedAt: string;
  id: string;
}

export interface ConsumerStatus {
  consumer: string;
  /** Deliveries waiting, retrying or being applied. */
  queued: number;
  /** Of those, the ones that failed and wait for their next try. */
  retrying: number;
  deadLetters: number;
  /** When the oldest delivery still queued was queued (a retrying one keeps its first time). */
  oldestQueuedAt: string | null;
}

export interface BusStatus {
  /** Committed batches of events not yet queued for their consumers. */
  undispatched: number;
  consumers: ConsumerStatus[];
}

/**
 * A page of the deliveries that exhausted their retries and of the poison events, oldest first,
 * with the events they carry as the log holds them, whatever those hold.
 */
export async function deadLetters(
  db: Database,
  options: { consumer?: string; after?: DeadLetterCursor; limit?: number } = {},
): Promise<{ letters: DeadLetter[]; next: DeadLetterCursor | null }> {
  const names = options.consumer ? [options.consumer] : [...consumers.keys()];
  const consumerOf = new Map(names.map((name) => [deadLetterQueue(name), name]));
  const limit = options.limit ?? 100;
  const after = options.after ?? null;
  const jobs = await db.execute<{
    id: string;
    name: string;
    data: unknown;
    output: { message?: unknown } | null;
    attempts: number | null;
    failed_at: string;
  }>(sql`
    select id, name, data, source_output as output, source_retry_count + 1 as attempts,
      to_char(created_on at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as failed_at
    from pgboss.job
    where name = any(${sqlArray([...consumerOf.keys()])}) and state < 'active'
      and (${after?.failedAt ?? null}::timestamptz is null
        or (created_on, id) > (${after?.failedAt ?? null}::timestamptz, ${after?.id ?? null}::uuid))
    order by created_on, id limit ${limit + 1}`);
  const page = jobs.slice(0, limit);
  const logged = await loggedEvents(db, page.map((job) => job.data).filter(isDelivery));
  const letters = page.map((job): DeadLetter => {
    const delivery = job.data as Delivery;
    const reason = isDelivery(job.data) && job.data.reason ? job.data.reason : job.output?.message;
    return {
      id: job.id,
      consumer: consumerOf.get(job.name) ?? job.name,
      delivery,
      events: isDelivery(delivery) ? logged(delivery) : [],
      failedAt: new Date(job.failed_at).toISOString(),
      attempts: isDelivery(delivery) && delivery.reason ? 1 : (job.attempts ?? 1),
      reason: typeof reason === 'string' ? storableText(reason) : null,
    };
  });
  const last = page.at(-1);
  return { letters, next: jobs.length > limit && last ? { failedAt: last.failed_at, id: last.id } : null };
}

/** The events each delivery carries, read as JSON text by the driver: no log content can fail it. */
async function loggedEvents(
  db: Database,
  deliveries: Delivery[],
): Promise<(delivery: Delivery) => DeadLetter['events']> {
  const ids = [...new Set(deliveries.map((d) => d.publish_id))];
  const batches =
    ids.length === 0
      ? []
      : await db.execute<{ publish_id: string; first_seq: number; events: unknown }>(
          sql`select publish_id, first_seq, events from bus.event_batch
              where publish_id = any(${sqlArray(ids)}::uuid[]) order by first_seq`,
        );
  return (delivery) =>
    batches
      .filter((batch) => batch.publish_id === delivery.publish_id)
      .flatMap((batch) =>
        (Array.isArray(batch.events) ? batch.events : []).flatMap((event: Partial<LogRow> | null, i) => {
          const seq = batch.first_seq + i;
          if (seq < delivery.from_seq || seq > delivery.to_seq) return [];
          return [
            {
              eventId: storableText(String(event?.event_id)),
              eventName: storableText(String(event?.event_name)),
              eventVersion: Number.isSafeInteger(event?.event_version) ? Number(event?.event_version) : null,
            },
          ];
        }),
      );
}

/** Sends dead letters back to their consumer's queue (all of them without `ids`); returns how many moved. */
export async function retryDeadLetters(boss: PgBoss, consumer: string, ids?: string[]): Promise<number> {
  // pg-boss moves at most 1,000 a call; the cut-off keeps a letter that fails again at once out of the next round.
  const createdBefore = new Date();
  let moved = 0;
  for (;;) {
    const round = await boss.redrive(deadLetterQueue(consumer), {
      destination: consumer,
      createdBefore,
      ...(ids ? { ids } : {}),
    });
    moved += round;
    if (ids || round === 0) return moved;
  }
}

/** Drops dead letters for good (all of the consumer's without `ids`); returns how many went. */
export async function discardDeadLetters(boss: PgBoss, consumer: string, ids?: string[]): Promise<number> {
  const dead = deadLetterQueue(consumer);
  if (!ids) return boss.deleteQueuedJobs(dead);
  // pg-boss 12 types its command response as `{}`; at run time it holds the count.
  const { affected } = (await boss.deleteJob(dead, ids)) as { affected?: number };
  return affected ?? 0;
}

/** What is waiting where: undispatched batches, and per consumer its queue and its dead letters. */
export async function status(db: Database): Promise<BusStatus> {
  const names = [...consumers.keys()];
  const [outbox] = await db.execute<{ undispatched: number }>(
    sql`select count(*)::int as undispatched from bus.outbox`,
  );
  const rows = await db.execute<{ name: string; waiting: number; retrying: number; oldest: string | null }>(sql`
    select name, count(*)::int as waiting, count(*) filter (where state = 'retry')::int as retrying,
      ${isoTimeSql('min(created_on)')} as oldest
    from pgboss.job
    where name = any(${sqlArray([...names, ...names.map(deadLetterQueue)])}) and state in ('created', 'retry', 'active')
    group by name`);
  const byName = new Map(rows.map((row) => [row.name, row]));
  return {
    undispatched: outbox?.undispatched ?? 0,
    consumers: names.map((consumer) => ({
      consumer,
      queued: byName.get(consumer)?.waiting ?? 0,
      retrying: byName.get(consumer)?.retrying ?? 0,
      deadLetters: byName.get(deadLetterQueue(consumer))?.waiting ?? 0,
      oldestQueuedAt: byName.get(consumer)?.oldest ?? null,
    })),
  };
}

/**
 * Waits until every event published so far has been dispatched and `consumerNames` have nothing
 * queued, retrying or in progress: what a test, a demo or a benchmark waits on.
 */
export async function settle(db: Database, consumerNames: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await db.execute<{ pending: number }>(sql`
      select (select count(*) from bus.outbox)::int
        + (select count(*) from pgboss.job where state in ('created', 'retry', 'active')
            and name = any(${sqlArray(consumerNames)}))::int as pending`);
    if (row?.pending === 0) return;
    if (Date.now() > deadline) throw new Error(`${row?.pending} deliveries still pending after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
