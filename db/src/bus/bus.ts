import { randomUUID } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import { fromDrizzle, type Job, type JobResult, PgBoss } from 'pg-boss';
import { logger } from '../logger.ts';
import type { Database, Executor } from '../postgres/client.ts';
import { Dispatcher } from './dispatcher.ts';
import type { Envelope, EventName, NewEvent } from './events.ts';
import { assertValidEvent, EventSchemaError, latestVersion } from './registry.ts';
import { consumers, deadLetterQueue, type Reads, readsOf } from './topology.ts';
import { upcast } from './upcasters.ts';

/** A pg-boss job points at a slice of one publish in the event log; the log holds the events. */
export interface Delivery {
  publish_id: string;
  from_seq: number;
  to_seq: number;
}

export type Handler = (tx: Executor, events: Envelope[]) => Promise<void>;

export interface BusOptions {
  /** Attempts after the first before a delivery goes to the consumer's dead-letter queue. */
  retryLimit?: number;
  /** Seconds before the first retry; doubles with each attempt. */
  retryDelaySeconds?: number;
  /** A worker that stops sending heartbeats this long (≥ 10 s) loses its jobs to another. */
  heartbeatSeconds?: number;
  /** How often pg-boss looks for dead workers' jobs. */
  superviseIntervalSeconds?: number;
}

export interface DeadLetter {
  id: string;
  consumer: string;
  delivery: Delivery;
  events: { eventId: string; eventName: string; eventVersion: number }[];
  failedAt: string;
}

/** Events per row of the log, and so per delivery: a bulk change writes and sends a few hundred. */
const EVENTS_PER_BATCH = 1_000;
/** Jobs a worker takes at once; their events are applied in one transaction. */
const JOBS_PER_BATCH = 50;
/** Outbox rows the dispatcher queues per transaction. */
const DISPATCH_LIMIT = 500;

export class EventBus {
  readonly boss: PgBoss;
  private readonly db: Database;
  private readonly options: Required<BusOptions>;
  private readonly dispatcher: Dispatcher;
  private readonly subscribed = new Set<string>();

  constructor(databaseUrl: string, db: Database, options: BusOptions = {}) {
    this.db = db;
    this.options = {
      retryLimit: options.retryLimit ?? 5,
      retryDelaySeconds: options.retryDelaySeconds ?? 2,
      heartbeatSeconds: options.heartbeatSeconds ?? 30,
      superviseIntervalSeconds: options.superviseIntervalSeconds ?? 30,
    };
    this.boss = new PgBoss({
      connectionString: databaseUrl,
      max: 10,
      useListenNotify: true,
      superviseIntervalSeconds: this.options.superviseIntervalSeconds,
      monitorIntervalSeconds: this.options.superviseIntervalSeconds,
    });
    this.boss.on('error', (error) => logger.error({ err: error }, 'pg-boss error'));
    this.dispatcher = new Dispatcher(() => this.dispatch(), DISPATCH_LIMIT);
  }

  /**
   * Starts pg-boss, makes sure every consumer's queue and dead-letter queue exist, and starts
   * this process's dispatcher, which queues committed events for their consumers.
   */
  async start(): Promise<void> {
    await this.boss.start();
    for (const consumer of consumers.keys()) await this.createQueues(consumer);
    this.dispatcher.start();
  }

  private async createQueues(consumer: string): Promise<void> {
    const dead = deadLetterQueue(consumer);
    const { retryLimit, retryDelaySeconds, heartbeatSeconds } = this.options;
    if (!(await this.boss.getQueue(dead))) await this.boss.createQueue(dead, { retentionSeconds: 30 * 86_400 });
    const queue = {
      deadLetter: dead,
      notify: true,
      retryLimit,
      retryDelay: retryDelaySeconds,
      retryBackoff: true,
      retryDelayMax: 300,
      heartbeatSeconds,
      deleteAfterSeconds: 86_400,
    };
    if (await this.boss.getQueue(consumer)) await this.boss.updateQueue(consumer, queue);
    else await this.boss.createQueue(consumer, queue);
  }

  /**
   * Validates the events and appends them to the event log with an outbox entry per batch, all
   * inside `tx`: they commit with the caller's change or not at all. The dispatcher queues them
   * for their consumers once committed, so a producer's transaction never waits on the queue.
   */
  async publish(tx: Executor, producer: string, events: NewEvent[]): Promise<Envelope[]> {
    if (events.length === 0) return [];
    const publishId = randomUUID();
    const eventTime = new Date().toISOString();
    const envelopes: Envelope[] = [];
    const appends: Promise<unknown>[] = [];
    try {
      // Each batch goes to Postgres as soon as it is valid, so the database writes one batch
      // while the next is checked.
      for (let start = 0; start < events.length; start += EVENTS_PER_BATCH) {
        if (start > 0) await new Promise(setImmediate);
        const batch = events
          .slice(start, start + EVENTS_PER_BATCH)
          .map((event) => envelope(event, producer, eventTime));
        envelopes.push(...batch);
        appends.push(observed(appendBatch(tx, publishId, start + 1, batch)));
      }
    } catch (error) {
      await Promise.allSettled(appends);
      throw error;
    }
    await Promise.all(appends);
    this.dispatcher.poke();
    return envelopes;
  }

  /**
   * Runs `change`, a data-modifying statement that returns rows, and appends `events` in the
   * same statement only if it returned any (it says how many). A single statement is atomic on
   * its own, so the change and its events commit together without a transaction's extra round
   * trips: for the hot paths that change one row. `events` must fit in one batch.
   */
  async publishWith(
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
        ${batchValues(randomUUID(), 1, envelopes)} where exists (select from change)
        returning position),
      queued as (insert into bus.outbox (position) select position from batch)
      select count(*)::int as changed from change`);
    const changed = Number(rows[0]?.changed ?? 0);
    if (changed > 0) this.dispatcher.poke();
    return { changed, envelopes };
  }

  /**
   * Moves committed batches from the outbox to their consumers' queues, in one transaction:
   * several dispatchers (one per process) share the work without queuing a batch twice.
   */
  private async dispatch(): Promise<number> {
    return this.db.transaction(async (tx) => {
      const batches = await tx.execute<{
        publish_id: string;
        first_seq: number;
        event_count: number;
        event_names: string[];
      }>(sql`
        with taken as (
          delete from bus.outbox where position in (
            select position from bus.outbox order by position limit ${DISPATCH_LIMIT} for update skip locked)
          returning position)
        select b.publish_id, b.first_seq, b.event_count, b.event_names
        from bus.event_batch b join taken using (position) order by b.position`);
      const db = fromDrizzle(tx, sql);
      for (const [consumer, reads] of consumers) {
        const deliveries = batches
          .filter((batch) => batch.event_names.some((name) => name in reads))
          .map((batch) => ({
            data: {
              publish_id: batch.publish_id,
              from_seq: batch.first_seq,
              to_seq: batch.first_seq + batch.event_count - 1,
            } satisfies Delivery,
          }));
        if (deliveries.length > 0) await this.boss.insert(consumer, deliveries, { db });
      }
      return batches.length;
    });
  }

  /**
   * Waits until every event published so far has been dispatched and `consumerNames` (by default
   * the consumers this process subscribed) have nothing queued, retrying or in progress: what a
   * test, a demo or a benchmark waits on.
   */
  async settle(consumerNames: string[] = [...this.subscribed], timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [row] = await this.db.execute<{ pending: number }>(sql`
        select (select count(*) from bus.outbox)::int
          + (select count(*) from pgboss.job where state in ('created', 'retry', 'active')
              and name = any(${sqlArray(consumerNames)}))::int as pending`);
      if (row?.pending === 0) return;
      if (Date.now() > deadline) throw new Error(`${row?.pending} deliveries still pending after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Runs `handler` for each batch of new events delivered to `consumer`, once per event id. */
  async subscribe(consumer: string, handler: Handler): Promise<void> {
    await this.createQueues(consumer);
    this.subscribed.add(consumer);
    await this.boss.work<Delivery>(
      consumer,
      {
        batchSize: JOBS_PER_BATCH,
        perJobResults: true,
        burstWhenBatchFull: true,
        pollingIntervalSeconds: 0.5,
        notifyPollingIntervalSeconds: 2,
      },
      (jobs) => this.deliver(consumer, handler, jobs),
    );
  }

  /**
   * All jobs of a batch go through one transaction; if it fails, each job is tried alone so a
   * poison delivery fails (and, after its retries, dead-letters) without holding back the rest.
   */
  private async deliver(consumer: string, handler: Handler, jobs: Job<Delivery>[]): Promise<JobResult[]> {
    try {
      await this.db.transaction((tx) =>
        applyDeliveries(
          tx,
          consumer,
          handler,
          jobs.map((job) => job.data),
        ),
      );
      return jobs.map((job) => ({ id: job.id, status: 'completed' }));
    } catch (batchError) {
      if (jobs.length === 1) return [failure(consumer, jobs[0] as Job<Delivery>, batchError)];
      const results: JobResult[] = [];
      for (const job of jobs) {
        try {
          await this.db.transaction((tx) => applyDeliveries(tx, consumer, handler, [job.data]));
          results.push({ id: job.id, status: 'completed' });
        } catch (error) {
          results.push(failure(consumer, job, error));
        }
      }
      return results;
    }
  }

  /**
   * Delivers the event log after `fromPosition` (a batch position, exclusive) to one consumer, in
   * order, through the same inbox as live delivery: the way a read side is rebuilt after
   * `resetConsumer`. Events that fail their schema (only ever written around `publish`) are
   * counted and skipped.
   */
  async replay(
    consumer: string,
    handler: Handler,
    options: {
      fromPosition?: number;
      batchesPerStep?: number;
      onProgress?: (done: number, total: number) => void;
    } = {},
  ): Promise<{ delivered: number; rejected: number }> {
    const names = sqlArray(Object.keys(readsOf(consumer)));
    const batchesPerStep = options.batchesPerStep ?? 5;
    let position = options.fromPosition ?? 0;
    const [{ total } = { total: 0 }] = await this.db.execute<{ total: number }>(
      sql`select coalesce(sum(event_count), 0)::int as total from bus.event_batch
          where position > ${position} and event_names && ${names}`,
    );
    let done = 0;
    let delivered = 0;
    let rejected = 0;
    const skipInvalid = (row: LogRow, error: EventSchemaError) => {
      rejected++;
      logger.error(
        { consumer, position: row.position, seq: row.seq, err: error.message },
        'replay skipped an invalid event',
      );
    };
    for (;;) {
      const batches = await this.db.execute<BatchRow>(
        sql`select ${batchColumns} from bus.event_batch b
            where b.position > ${position} and b.event_names && ${names}
            order by b.position limit ${batchesPerStep}`,
      );
      if (batches.length === 0) return { delivered: delivered - rejected, rejected };
      const rows = eventsOf(batches, readsOf(consumer));
      await this.db.transaction((tx) => applyEvents(tx, consumer, handler, rows, skipInvalid));
      position = Number(batches.at(-1)?.position);
      delivered += rows.length;
      done += batches.reduce((sum, batch) => sum + batch.event_count, 0);
      options.onProgress?.(done, total);
    }
  }

  /**
   * A page of the log for a resend: the events published at or after `since` that `reads` names,
   * at the versions it reads, oldest first, from the batches after `afterPosition`. No inbox is
   * involved, so an event comes back however often it was applied; one that fails its schema is
   * logged and left out. `nextPosition` is where the next page starts, undefined at the end.
   */
  async readLog(
    reads: Reads,
    options: { since: string; afterPosition?: number; batchesPerPage?: number },
  ): Promise<{ events: Envelope[]; nextPosition: number | undefined }> {
    const batches = await this.db.execute<BatchRow>(
      sql`select ${batchColumns} from bus.event_batch b
          where b.position > ${options.afterPosition ?? 0} and b.event_time >= ${options.since}::timestamptz
          and b.event_names && ${sqlArray(Object.keys(reads))}
          order by b.position limit ${options.batchesPerPage ?? 5}`,
    );
    const events: Envelope[] = [];
    for (const row of eventsOf([...batches], reads)) {
      try {
        events.push(toConsumerVersion(row, reads));
      } catch (error) {
        if (!(error instanceof EventSchemaError)) throw error;
        logger.error({ position: row.position, seq: row.seq, err: error.message }, 'resend skipped an invalid event');
      }
    }
    const last = batches.at(-1);
    return { events, nextPosition: last ? Number(last.position) : undefined };
  }

  /** Forgets what a consumer has applied, so a replay delivers everything again. */
  async resetConsumer(consumer: string): Promise<void> {
    await this.db.execute(sql`delete from bus.inbox where consumer = ${consumer}`);
  }

  /** Deliveries that exhausted their retries, with the events they carry, oldest first. */
  async deadLetters(consumer?: string): Promise<DeadLetter[]> {
    const names = consumer ? [consumer] : [...consumers.keys()];
    const letters: DeadLetter[] = [];
    for (const name of names) {
      for (const job of await this.boss.findJobs<Delivery>(deadLetterQueue(name), { limit: 1_000 })) {
        const events = await this.db.execute<{ eventId: string; eventName: string; eventVersion: number }>(
          sql`select event_id as "eventId", event_name as "eventName", event_version as "eventVersion"
              from bus.event_log where publish_id = ${safeUuid(job.data?.publish_id)}
              and seq between ${job.data?.from_seq ?? 0} and ${job.data?.to_seq ?? -1} order by seq`,
        );
        letters.push({
          id: job.id,
          consumer: name,
          delivery: job.data,
          events: [...events],
          failedAt: new Date(job.createdOn).toISOString(),
        });
      }
    }
    return letters;
  }

  /** Sends dead-lettered deliveries back to their consumer's queue; returns how many moved. */
  async retryDeadLetters(consumer: string, ids?: string[]): Promise<number> {
    return this.boss.redrive(deadLetterQueue(consumer), { destination: consumer, ...(ids ? { ids } : {}) });
  }

  /**
   * Stops dispatching and taking jobs, lets the batches in flight finish (or go back to the
   * queue), then closes. What is left in the outbox waits for the next dispatcher.
   */
  async stop(): Promise<void> {
    await this.dispatcher.stop();
    await this.boss.stop({ graceful: true, timeout: 20_000, close: true });
  }
}

/**
 * `work` started once and marked as handled: it is awaited later, and a failure meanwhile must
 * not count as an unhandled rejection (which ends the process) while other work is awaited
 * first. (A drizzle query runs again on every `then`, hence the one native promise.)
 */
export function observed<T>(work: PromiseLike<T>): Promise<T> {
  const promise = Promise.resolve(work);
  promise.catch(() => {});
  return promise;
}

function envelope(event: NewEvent, producer: string, eventTime: string): Envelope {
  const envelope = {
    event_id: randomUUID(),
    event_name: event.name,
    event_version: event.version ?? latestVersion(event.name),
    event_time: eventTime,
    producer,
    data: event.data,
  } as Envelope;
  assertValidEvent(envelope);
  return envelope;
}

/** One event of the log, as a consumer reads it. */
type LogRow = {
  position: number;
  seq: number;
  event_id: string;
  event_name: EventName;
  event_version: number;
  event_time: string;
  producer: string;
  data: unknown;
};

/** A row of `bus.event_batch`: up to EVENTS_PER_BATCH events of one publish. */
type BatchRow = {
  position: number | string;
  publish_id: string;
  first_seq: number;
  event_count: number;
  event_time: string;
  producer: string;
  events: { event_id: string; event_name: EventName; event_version: number; data: unknown }[];
};

const batchColumns = sql.raw(
  `b.position, b.publish_id, b.first_seq, b.event_count, to_char(b.event_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as event_time, b.producer, b.events`,
);

function appendBatch(tx: Executor, publishId: string, firstSeq: number, envelopes: Envelope[]) {
  return tx.execute(sql`
    with batch as (
      insert into bus.event_batch (publish_id, first_seq, event_count, event_names, event_time, producer, events)
      ${batchValues(publishId, firstSeq, envelopes)}
      returning position)
    insert into bus.outbox (position) select position from batch`);
}

/** A `select` of one row of `bus.event_batch` (without its position) holding `envelopes`. */
function batchValues(publishId: string, firstSeq: number, envelopes: Envelope[]) {
  const [first] = envelopes;
  const events = envelopes.map(({ event_id, event_name, event_version, data }) => ({
    event_id,
    event_name,
    event_version,
    data,
  }));
  const names = sqlArray([...new Set(envelopes.map((e) => e.event_name))]);
  return sql`select ${publishId}::uuid, ${firstSeq}::int, ${envelopes.length}::int, ${names}::text[],
    ${first?.event_time}::timestamptz, ${first?.producer}::text, ${JSON.stringify(events)}::json`;
}

/** The events of `batches` a consumer reads, each with its place in the log, in order. */
function eventsOf(batches: BatchRow[], reads: Reads, within?: (batch: BatchRow, seq: number) => boolean): LogRow[] {
  const rows: LogRow[] = [];
  for (const batch of batches) {
    const events = Array.isArray(batch.events) ? batch.events : [];
    events.forEach((event, i) => {
      const seq = batch.first_seq + i;
      if (!(event?.event_name in reads) || (within && !within(batch, seq))) return;
      rows.push({
        ...event,
        position: Number(batch.position),
        seq,
        event_time: batch.event_time,
        producer: batch.producer,
      });
    });
  }
  return rows;
}

async function applyDeliveries(tx: Executor, consumer: string, handler: Handler, deliveries: Delivery[]) {
  for (const delivery of deliveries) assertDelivery(delivery);
  const reads = readsOf(consumer);
  const batches = await tx.execute<BatchRow>(sql`
    select ${batchColumns} from bus.event_batch b
    where b.event_names && ${sqlArray(Object.keys(reads))} and exists (
      select from jsonb_to_recordset(${JSON.stringify(deliveries)}::jsonb) as d(publish_id uuid, from_seq int, to_seq int)
      where b.publish_id = d.publish_id and b.first_seq <= d.to_seq and b.first_seq + b.event_count > d.from_seq)
    order by b.position`);
  const delivered = (batch: BatchRow, seq: number) =>
    deliveries.some((d) => d.publish_id === batch.publish_id && seq >= d.from_seq && seq <= d.to_seq);
  await applyEvents(tx, consumer, handler, eventsOf([...batches], reads, delivered));
}

/**
 * Validates and upcasts the events, then lets the inbox turn a redelivery into a no-op: only
 * events new to this consumer reach the handler. An invalid event throws, unless `skipInvalid`
 * (replay) takes it, so the rest of the log can still be rebuilt.
 */
async function applyEvents(
  tx: Executor,
  consumer: string,
  handler: Handler,
  rows: LogRow[],
  skipInvalid?: (row: LogRow, error: EventSchemaError) => void,
): Promise<void> {
  const reads = readsOf(consumer);
  const unique = new Map<string, Envelope>();
  for (const row of rows) {
    try {
      unique.set(row.event_id, toConsumerVersion(row, reads));
    } catch (error) {
      if (!(skipInvalid && error instanceof EventSchemaError)) throw error;
      skipInvalid(row, error);
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

function toConsumerVersion(row: LogRow, reads: Reads): Envelope {
  const envelope = {
    event_id: row.event_id,
    event_name: row.event_name,
    event_version: row.event_version,
    event_time: row.event_time,
    producer: row.producer,
    data: row.data,
  } as Envelope;
  assertValidEvent(envelope);
  const target = reads[row.event_name] ?? row.event_version;
  if (envelope.event_version === target) return envelope;
  const upcast_ = {
    ...envelope,
    event_version: target,
    data: upcast(row.event_name, row.event_version, row.data, target),
  };
  assertValidEvent(upcast_);
  return upcast_ as Envelope;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function assertDelivery(delivery: unknown): asserts delivery is Delivery {
  const d = delivery as Partial<Delivery> | null;
  if (!d || !UUID.test(String(d.publish_id)) || !Number.isInteger(d.from_seq) || !Number.isInteger(d.to_seq)) {
    throw new EventSchemaError(`malformed delivery ${JSON.stringify(delivery)}`);
  }
}

function safeUuid(value: unknown): string {
  return UUID.test(String(value)) ? String(value) : '00000000-0000-0000-0000-000000000000';
}

function sqlArray(values: string[]) {
  return sql`${`{${values.map((v) => `"${v.replaceAll('"', '\\"')}"`).join(',')}}`}`;
}

function failure(consumer: string, job: Job<Delivery>, error: unknown): JobResult {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const message = error instanceof Error ? `${error.message}${cause}` : String(error);
  logger.warn({ consumer, job: job.id, attempt: job.retryCount, err: message }, 'delivery failed');
  return { id: job.id, status: 'failed', output: { message } };
}
