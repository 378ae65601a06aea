import { sql } from 'drizzle-orm';
import { fromDrizzle, type Job, type JobResult, type PgBoss } from 'pg-boss';
import { logger } from '../logger.ts';
import type { Database, Executor } from '../postgres/client.ts';
import type { Envelope } from './events.ts';
import {
  type BatchRow,
  batchColumns,
  type Delivery,
  eventsOf,
  isDelivery,
  type LogRow,
  sqlArray,
  storableText,
  toConsumerVersion,
} from './log.ts';
import { EventSchemaError } from './registry.ts';
import { deadLetterQueue, type Handler, readsOf } from './topology.ts';

/** Jobs a worker takes at once; their events are applied in one transaction. */
const JOBS_PER_BATCH = 50;

/** Takes `consumer`'s deliveries from its queue in this process and applies them with `handler`. */
export async function work(db: Database, boss: PgBoss, consumer: string, handler: Handler): Promise<void> {
  await boss.work<Delivery>(
    consumer,
    {
      batchSize: JOBS_PER_BATCH,
      perJobResults: true,
      burstWhenBatchFull: true,
      pollingIntervalSeconds: 0.5,
      notifyPollingIntervalSeconds: 2,
    },
    (jobs) => deliver(db, boss, consumer, handler, jobs),
  );
}

/**
 * All jobs of a batch go through one transaction; if it fails, each job is tried alone so a
 * failing delivery is retried (and, after its retries, dead-lettered) without holding back the
 * rest. A job that is no delivery at all can never succeed: it is dead-lettered at once.
 */
async function deliver(
  db: Database,
  boss: PgBoss,
  consumer: string,
  handler: Handler,
  jobs: Job<Delivery>[],
): Promise<JobResult[]> {
  const results: JobResult[] = [];
  const deliveries = jobs.filter((job) => {
    if (isDelivery(job.data)) return true;
    const message = `malformed delivery ${storableText(JSON.stringify(job.data) ?? 'undefined')}`;
    results.push({ id: job.id, status: 'deadletter', output: { message } });
    return false;
  });
  if (deliveries.length === 0) return results;
  const apply = (batch: Job<Delivery>[]) =>
    db.transaction((tx) =>
      applyDeliveries(
        tx,
        boss,
        consumer,
        handler,
        batch.map((job) => job.data),
      ),
    );
  try {
    await apply(deliveries);
    return [...results, ...deliveries.map((job) => ({ id: job.id, status: 'completed' as const }))];
  } catch (batchError) {
    if (deliveries.length === 1) return [...results, failure(consumer, deliveries[0] as Job<Delivery>, batchError)];
    for (const job of deliveries) {
      try {
        await apply([job]);
        results.push({ id: job.id, status: 'completed' });
      } catch (error) {
        results.push(failure(consumer, job, error));
      }
    }
    return results;
  }
}

/**
 * Applies the events of `deliveries` that are new to the consumer; a poison event among them (one
 * that fails the registry: only ever written around `publish`) is dead-lettered on its own, in
 * the same transaction, and the others are applied.
 */
async function applyDeliveries(tx: Executor, boss: PgBoss, consumer: string, handler: Handler, deliveries: Delivery[]) {
  const reads = readsOf(consumer);
  const batches = await tx.execute<BatchRow>(sql`
    select ${batchColumns} from bus.event_batch b
    where b.event_names && ${sqlArray(Object.keys(reads))} and exists (
      select from jsonb_to_recordset(${JSON.stringify(deliveries)}::jsonb) as d(publish_id uuid, from_seq int, to_seq int)
      where b.publish_id = d.publish_id and b.first_seq <= d.to_seq and b.first_seq + b.event_count > d.from_seq)
    order by b.position`);
  const delivered = (batch: BatchRow, seq: number) =>
    deliveries.some((d) => d.publish_id === batch.publish_id && seq >= d.from_seq && seq <= d.to_seq);
  const poison: { row: LogRow; reason: string }[] = [];
  await applyEvents(tx, consumer, handler, eventsOf([...batches], reads, delivered), (row, error) => {
    logger.warn({ consumer, position: row.position, seq: row.seq, err: error.message }, 'dead-lettered a poison event');
    poison.push({ row, reason: error.message });
  });
  await deadLetterPoison(tx, boss, consumer, poison);
}

/** Dead-letters each poison event once: a redelivery or a replay that meets it again adds none. */
async function deadLetterPoison(
  tx: Executor,
  boss: PgBoss,
  consumer: string,
  poison: { row: LogRow; reason: string }[],
) {
  if (poison.length === 0) return;
  const dead = deadLetterQueue(consumer);
  const db = fromDrizzle(tx, sql);
  const letters: { data: Delivery }[] = [];
  for (const { row, reason } of poison) {
    const slice = { publish_id: row.publish_id, from_seq: row.seq, to_seq: row.seq };
    if ((await boss.findJobs(dead, { data: slice, queued: true, limit: 1, db })).length > 0) continue;
    letters.push({ data: { ...slice, reason: storableText(reason) } });
  }
  if (letters.length > 0) await boss.insert(dead, letters, { db });
}

/**
 * Validates and upcasts the events, then lets the inbox turn a redelivery into a no-op: only
 * events new to this consumer reach the handler. A poison event (one that fails the registry)
 * goes to `onPoison` instead, so it never holds back the events around it.
 */
export async function applyEvents(
  tx: Executor,
  consumer: string,
  handler: Handler,
  rows: LogRow[],
  onPoison: (row: LogRow, error: EventSchemaError) => void,
): Promise<void> {
  const reads = readsOf(consumer);
  const unique = new Map<string, Envelope>();
  for (const row of rows) {
    try {
      unique.set(row.event_id, toConsumerVersion(row, reads));
    } catch (error) {
      if (!(error instanceof EventSchemaError)) throw error;
      onPoison(row, error);
    }
  }
  if (unique.size === 0) return;
  const fresh = await tx.execute<{ event_id: string }>(sql`
    insert into bus.inbox (consumer, event_id)
    select ${consumer}, unnest(${sqlArray([...unique.keys()])}::uuid[])
    on conflict do nothing returning event_id`);
  const freshIds = new Set(fresh.map((r) => r.event_id));
  const events = [...unique.values()].filter((event) => freshIds.has(event.event_id));
  if (events.length > 0) await handler(tx, events);
}

function failure(consumer: string, job: Job<Delivery>, error: unknown): JobResult {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const message = storableText(error instanceof Error ? `${error.message}${cause}` : String(error));
  logger.warn({ consumer, job: job.id, attempt: job.retryCount, err: error }, 'delivery failed');
  return { id: job.id, status: 'failed', output: { message } };
}
