import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { fromDrizzle, type Job, type JobResult, PgBoss } from 'pg-boss';
import { logger } from '../logger.ts';
import type { Database, Executor } from '../postgres/client.ts';
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

/** Events per job: one job carries a slice of a publish, so a bulk change sends a few jobs. */
const EVENTS_PER_JOB = 1_000;
/** Events per INSERT into the log, sent as one JSON parameter. */
const LOG_CHUNK = 10_000;
/** Jobs a worker takes at once; their events are applied in one transaction. */
const JOBS_PER_BATCH = 50;

export class EventBus {
  readonly boss: PgBoss;
  private readonly db: Database;
  private readonly options: Required<BusOptions>;

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
  }

  /** Starts pg-boss and makes sure every consumer's queue and dead-letter queue exist. */
  async start(): Promise<void> {
    await this.boss.start();
    for (const consumer of consumers.keys()) await this.createQueues(consumer);
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
   * Validates the events, appends them to the event log and queues them for every subscribed
   * consumer, all inside `tx`: they commit with the caller's change or not at all.
   */
  async publish(tx: Executor, producer: string, events: NewEvent[]): Promise<Envelope[]> {
    if (events.length === 0) return [];
    const publishId = randomUUID();
    const eventTime = new Date().toISOString();
    const envelopes = events.map((event) => {
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
    });
    await appendToLog(tx, publishId, envelopes);
    const db = fromDrizzle(tx, sql);
    for (const [consumer, reads] of consumers) {
      const deliveries = slicesFor(publishId, envelopes, reads);
      if (deliveries.length > 0)
        await this.boss.insert(
          consumer,
          deliveries.map((data) => ({ data })),
          { db },
        );
    }
    return envelopes;
  }

  /** Runs `handler` for each batch of new events delivered to `consumer`, once per event id. */
  async subscribe(consumer: string, handler: Handler): Promise<void> {
    await this.createQueues(consumer);
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
   * Delivers the event log from `fromPosition` (exclusive) to one consumer, in order, through
   * the same inbox as live delivery: the way a read side is rebuilt after `resetConsumer`.
   * Events that fail their schema (only ever written around `publish`) are counted and skipped.
   */
  async replay(
    consumer: string,
    handler: Handler,
    options: { fromPosition?: number; batchSize?: number; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<{ delivered: number; rejected: number }> {
    const names = Object.keys(readsOf(consumer));
    const batchSize = options.batchSize ?? 5_000;
    let position = options.fromPosition ?? 0;
    const [{ total } = { total: 0 }] = await this.db.execute<{ total: number }>(
      sql`select count(*)::int as total from bus.event_log where position > ${position} and event_name = any(${sqlArray(names)})`,
    );
    let done = 0;
    let rejected = 0;
    const skipInvalid = (row: LogRow, error: EventSchemaError) => {
      rejected++;
      logger.error({ consumer, position: row.position, err: error.message }, 'replay skipped an invalid event');
    };
    for (;;) {
      const rows = await this.db.execute<LogRow>(
        sql`select ${logColumns} from bus.event_log
            where position > ${position} and event_name = any(${sqlArray(names)})
            order by position limit ${batchSize}`,
      );
      if (rows.length === 0) return { delivered: done - rejected, rejected };
      await this.db.transaction((tx) => applyEvents(tx, consumer, handler, rows, skipInvalid));
      position = Number(rows[rows.length - 1]?.position);
      done += rows.length;
      options.onProgress?.(done, total);
    }
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

  /** Stops taking jobs, lets the batches in flight finish (or go back to the queue), then closes. */
  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, timeout: 20_000, close: true });
  }
}

type LogRow = {
  position: number | string;
  event_id: string;
  event_name: EventName;
  event_version: number;
  event_time: string;
  producer: string;
  data: unknown;
};

const logColumns = sql.raw(
  `position, event_id, event_name, event_version, to_char(event_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as event_time, producer, data`,
);

async function appendToLog(tx: Executor, publishId: string, envelopes: Envelope[]): Promise<void> {
  for (let start = 0; start < envelopes.length; start += LOG_CHUNK) {
    const rows = envelopes.slice(start, start + LOG_CHUNK).map((e, i) => ({ ...e, seq: start + i + 1 }));
    await tx.execute(sql`
      insert into bus.event_log (event_id, publish_id, seq, event_name, event_version, event_time, producer, data)
      select r.event_id, ${publishId}::uuid, r.seq, r.event_name, r.event_version, r.event_time, r.producer, r.data
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(
        event_id uuid, seq int, event_name text, event_version int, event_time timestamptz, producer text, data jsonb)`);
  }
}

function slicesFor(publishId: string, envelopes: Envelope[], reads: Reads): Delivery[] {
  const slices: Delivery[] = [];
  for (let start = 0; start < envelopes.length; start += EVENTS_PER_JOB) {
    const slice = envelopes.slice(start, start + EVENTS_PER_JOB);
    if (slice.some((e) => e.event_name in reads)) {
      slices.push({ publish_id: publishId, from_seq: start + 1, to_seq: start + slice.length });
    }
  }
  return slices;
}

async function applyDeliveries(tx: Executor, consumer: string, handler: Handler, deliveries: Delivery[]) {
  for (const delivery of deliveries) assertDelivery(delivery);
  const names = Object.keys(readsOf(consumer));
  const rows = await tx.execute<LogRow>(sql`
    select ${logColumns} from bus.event_log l
    join jsonb_to_recordset(${JSON.stringify(deliveries)}::jsonb) as d(publish_id uuid, from_seq int, to_seq int)
      on l.publish_id = d.publish_id and l.seq between d.from_seq and d.to_seq
    where l.event_name = any(${sqlArray(names)})
    order by l.position`);
  await applyEvents(tx, consumer, handler, [...rows]);
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
