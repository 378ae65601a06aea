import { randomUUID } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../postgres/client.ts';
import { observed } from '../promises.ts';
import type { Envelope, NewEvent } from './events.ts';
import { sqlArray } from './log.ts';
import { assertValidEvent, EventSchemaError, latestVersion, UndeliverableEventError } from './registry.ts';

/** Events per row of the log, and so per delivery: a bulk change writes and sends a few hundred. */
export const EVENTS_PER_BATCH = 1_000;

/**
 * Validates the events and appends them to the event log with an outbox entry per batch, all
 * inside `tx`: they commit with the caller's change or not at all. The dispatcher queues them
 * for their consumers once committed, so a producer's transaction never waits on the queue.
 */
export async function publish(tx: Executor, producer: string, events: NewEvent[]): Promise<Envelope[]> {
  if (events.length === 0) return [];
  const publishId = randomUUID();
  const eventTime = new Date().toISOString();
  const envelopes: Envelope[] = [];
  const appends: Promise<unknown>[] = [];
  try {
    // Each batch goes to Postgres as soon as it is valid, so the database writes one batch
    // while the next is checked.
    for (const batch of inBatches(events)) {
      if (batch.firstSeq > 1) await new Promise(setImmediate);
      const valid = batch.events.map((event) => envelope(event, producer, eventTime));
      envelopes.push(...valid);
      appends.push(observed(appendBatch(tx, batchOf(publishId, batch.firstSeq, valid))));
    }
  } catch (error) {
    await Promise.allSettled(appends);
    throw error;
  }
  await Promise.all(appends);
  return envelopes;
}

/**
 * Runs `change`, a data-modifying statement that returns rows, and appends `events` in the
 * same statement only if it returned any (it says how many). A single statement is atomic on
 * its own, so the change and its events commit together without a transaction's extra round
 * trips: for the hot paths that change one row. `events` must fit in one batch.
 */
export async function publishWith(
  db: Executor,
  producer: string,
  change: SQL,
  events: NewEvent[],
): Promise<{ changed: number; envelopes: Envelope[] }> {
  if (events.length === 0 || events.length > EVENTS_PER_BATCH) {
    throw new Error(`publishWith takes 1 to ${EVENTS_PER_BATCH} events, not ${events.length}`);
  }
  const eventTime = new Date().toISOString();
  const envelopes = events.map((event) => envelope(event, producer, eventTime));
  const rows = await db.execute(sql`
    with change as (${change}),
    batch as (
      insert into bus.event_batch (publish_id, first_seq, event_count, event_names, event_time, producer, events)
      ${batchValues(batchOf(randomUUID(), 1, envelopes))} where exists (select from change)
      returning position),
    queued as (insert into bus.outbox (position) select position from batch)
    select count(*)::int as changed from change`);
  return { changed: Number(rows[0]?.changed ?? 0), envelopes };
}

/** `events` cut into the log's batches, each with the sequence number of its first event in the publish. */
export function inBatches<T>(events: T[]): { firstSeq: number; events: T[] }[] {
  const batches: { firstSeq: number; events: T[] }[] = [];
  for (let start = 0; start < events.length; start += EVENTS_PER_BATCH) {
    batches.push({ firstSeq: start + 1, events: events.slice(start, start + EVENTS_PER_BATCH) });
  }
  return batches;
}

/** What a row of `bus.event_batch` holds for `envelopes`: their time and producer once, their distinct names. */
export function batchOf(publishId: string, firstSeq: number, envelopes: Envelope[]) {
  const [first] = envelopes;
  return {
    publishId,
    firstSeq,
    eventNames: [...new Set(envelopes.map((e) => e.event_name))],
    eventTime: first?.event_time,
    producer: first?.producer,
    events: envelopes.map(({ event_id, event_name, event_version, data }) => ({
      event_id,
      event_name,
      event_version,
      data,
    })),
  };
}

type Batch = ReturnType<typeof batchOf>;

function envelope(event: NewEvent, producer: string, eventTime: string): Envelope {
  const envelope = {
    event_id: randomUUID(),
    event_name: event.name,
    event_version: event.version ?? latestVersion(event.name),
    event_time: eventTime,
    producer,
    data: event.data,
  } as Envelope;
  try {
    assertValidEvent(envelope);
  } catch (error) {
    if (error instanceof EventSchemaError) throw new UndeliverableEventError(error.message);
    throw error;
  }
  return envelope;
}

function appendBatch(tx: Executor, batch: Batch) {
  return tx.execute(sql`
    with batch as (
      insert into bus.event_batch (publish_id, first_seq, event_count, event_names, event_time, producer, events)
      ${batchValues(batch)}
      returning position)
    insert into bus.outbox (position) select position from batch`);
}

/** A `select` of one row of `bus.event_batch` (without its position) holding `batch`. */
function batchValues(batch: Batch) {
  return sql`select ${batch.publishId}::uuid, ${batch.firstSeq}::int, ${batch.events.length}::int, ${sqlArray(batch.eventNames)}::text[],
    ${batch.eventTime}::timestamptz, ${batch.producer}::text, ${JSON.stringify(batch.events)}::json`;
}
