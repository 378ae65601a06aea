import { randomUUID } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import { fromDrizzle, type Job, type JobResult, PgBoss } from 'pg-boss';
import { patientRetryFromEnv } from '../config.ts';
import { logger } from '../logger.ts';
import type { Database, Executor } from '../postgres/client.ts';
import { observed } from '../promises.ts';
import { Dispatcher } from './dispatcher.ts';
import type { Envelope, EventName, NewEvent } from './events.ts';
import { assertValidEvent, EventSchemaError, latestVersion, UndeliverableEventError } from './registry.ts';
import { consumers, deadLetterQueue, patientConsumers, type Reads, readsOf } from './topology.ts';
import { upcast } from './upcasters.ts';

/** A pg-boss job points at a slice of one publish in the event log; the log holds the events. */
export interface Delivery {
  publish_id: string;
  from_seq: number;
  to_seq: number;
  /** Set on the dead letter of a poison event: why no consumer can apply it. */
  reason?: string;
}

export type Handler = (tx: Executor, events: Envelope[]) => Promise<void>;

/** How a patient consumer retries a delivery that fails. */
export interface RetryPolicy {
  /** Seconds before the first retry; each wait is about twice the one before it (pg-boss adds up to as much again at random). */
  delaySeconds: number;
  /** The longest wait between two attempts. */
  maxDelaySeconds: number;
  /** How long a failing delivery keeps being retried, at least, before it is dead-lettered. */
  forSeconds: number;
}

export interface BusOptions {
  /** Every consumer but the patient ones: attempts after the first before a delivery is dead-lettered. */
  retryLimit?: number;
  /** Every consumer but the patient ones: seconds before the first retry; doubles with each attempt. */
  retryDelaySeconds?: number;
  /**
   * The patient consumers (`patientConsumers`: the ledger, the payout mail). Defaults: the
   * `ATES_PATIENT_RETRY_*` variables, else 2 s doubling up to 300 s, for 24 hours.
   */
  patientRetry?: Partial<RetryPolicy>;
  /** A worker that stops sending heartbeats this long (≥ 10 s) loses its jobs to another. */
  heartbeatSeconds?: number;
  /** How often pg-boss looks for dead workers' jobs. */
  superviseIntervalSeconds?: number;
}

/** After each step of a replay: events done and in all since `fromPosition`, poison skipped, the batch reached. */
export interface ReplayProgress {
  done: number;
  total: number;
  rejected: number;
  position: number;
}

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

/** Events per row of the log, and so per delivery: a bulk change writes and sends a few hundred. */
const EVENTS_PER_BATCH = 1_000;
/** Jobs a worker takes at once; their events are applied in one transaction. */
const JOBS_PER_BATCH = 50;
/** Outbox rows the dispatcher queues per transaction. */
const DISPATCH_LIMIT = 500;
/**
 * How long pg-boss may keep a queued delivery or a dead letter: the most it takes (68 years). Its
 * retention deletes a job still queued when this runs out, and nothing may drop a delivery or a
 * dead letter but its consumer, a redrive or a discard.
 */
const KEEP_SECONDS = 2_147_483_647;
/** Log batches a replay queues per round. */
const REPLAY_CHUNK = 2_000;

export class EventBus {
  readonly boss: PgBoss;
  private readonly db: Database;
  private readonly options: Required<Omit<BusOptions, 'patientRetry'>> & { patientRetry: RetryPolicy };
  private readonly dispatcher: Dispatcher;
  private readonly subscribed = new Set<string>();

  constructor(databaseUrl: string, db: Database, options: BusOptions = {}) {
    this.db = db;
    this.options = {
      retryLimit: options.retryLimit ?? 5,
      retryDelaySeconds: options.retryDelaySeconds ?? 2,
      patientRetry: {
        delaySeconds: 2,
        maxDelaySeconds: 300,
        forSeconds: 86_400,
        ...patientRetryFromEnv(),
        ...options.patientRetry,
      },
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
    await this.upsertQueue(dead, { retentionSeconds: KEEP_SECONDS });
    // Dead letters from before they were kept for good still carry the 30 days they were given.
    await this.db.execute(sql`
      update pgboss.job set keep_until = created_on + ${KEEP_SECONDS} * interval '1 second'
      where name = ${dead} and state < 'active' and keep_until < created_on + ${KEEP_SECONDS} * interval '1 second'`);
    await this.upsertQueue(consumer, {
      deadLetter: dead,
      notify: true,
      ...this.retriesOf(consumer),
      retryBackoff: true,
      heartbeatSeconds: this.options.heartbeatSeconds,
      retentionSeconds: KEEP_SECONDS,
      deleteAfterSeconds: 86_400,
    });
  }

  private async upsertQueue(name: string, options: Parameters<PgBoss['createQueue']>[1]): Promise<void> {
    if (await this.boss.getQueue(name)) await this.boss.updateQueue(name, options);
    else await this.boss.createQueue(name, options);
  }

  /** pg-boss's retry settings for a consumer's queue: a patient one retries for `forSeconds`. */
  private retriesOf(consumer: string) {
    if (!patientConsumers.has(consumer)) {
      return { retryLimit: this.options.retryLimit, retryDelay: this.options.retryDelaySeconds, retryDelayMax: 300 };
    }
    const policy = this.options.patientRetry;
    return {
      retryLimit: retriesWithin(policy),
      retryDelay: policy.delaySeconds,
      retryDelayMax: policy.maxDelaySeconds,
    };
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
   * failing delivery is retried (and, after its retries, dead-lettered) without holding back the
   * rest. A job that is no delivery at all can never succeed: it is dead-lettered at once.
   */
  private async deliver(consumer: string, handler: Handler, jobs: Job<Delivery>[]): Promise<JobResult[]> {
    const results: JobResult[] = [];
    const deliveries = jobs.filter((job) => {
      if (isDelivery(job.data)) return true;
      const message = `malformed delivery ${storableText(JSON.stringify(job.data) ?? 'undefined')}`;
      results.push({ id: job.id, status: 'deadletter', output: { message } });
      return false;
    });
    if (deliveries.length === 0) return results;
    const apply = (batch: Job<Delivery>[]) =>
      this.db.transaction((tx) =>
        this.applyDeliveries(
          tx,
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
  private async applyDeliveries(tx: Executor, consumer: string, handler: Handler, deliveries: Delivery[]) {
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
      logger.warn(
        { consumer, position: row.position, seq: row.seq, err: error.message },
        'dead-lettered a poison event',
      );
      poison.push({ row, reason: error.message });
    });
    await this.deadLetterPoison(tx, consumer, poison);
  }

  /** Dead-letters each poison event once: a redelivery or a replay that meets it again adds none. */
  private async deadLetterPoison(tx: Executor, consumer: string, poison: { row: LogRow; reason: string }[]) {
    if (poison.length === 0) return;
    const dead = deadLetterQueue(consumer);
    const db = fromDrizzle(tx, sql);
    const letters: { data: Delivery }[] = [];
    for (const { row, reason } of poison) {
      const slice = { publish_id: row.publish_id, from_seq: row.seq, to_seq: row.seq };
      if ((await this.boss.findJobs(dead, { data: slice, queued: true, limit: 1, db })).length > 0) continue;
      letters.push({ data: { ...slice, reason: storableText(reason) } });
    }
    if (letters.length > 0) await this.boss.insert(dead, letters, { db });
  }

  /**
   * Delivers the event log after `fromPosition` (a batch position, exclusive) to one consumer, in
   * order, in this process, through the same inbox as live delivery: the way a read side is
   * rebuilt after `resetConsumer`. Poison events are counted as rejected and skipped.
   */
  async replay(
    consumer: string,
    handler: Handler,
    options: {
      fromPosition?: number;
      batchesPerStep?: number;
      onProgress?: (progress: ReplayProgress) => void;
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
    const skipPoison = (row: LogRow, error: EventSchemaError) => {
      rejected++;
      logger.error(
        { consumer, position: row.position, seq: row.seq, err: error.message },
        'replay skipped a poison event',
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
      await this.db.transaction((tx) => applyEvents(tx, consumer, handler, rows, skipPoison));
      position = Number(batches.at(-1)?.position);
      delivered += rows.length;
      done += batches.reduce((sum, batch) => sum + batch.event_count, 0);
      options.onProgress?.({ done, total, rejected, position });
    }
  }

  /**
   * Queues the log's batches that `consumer` reads (those published at or after `from`, if given)
   * for it once more, as deliveries its workers apply through its inbox: whatever it applied
   * already is skipped, whatever it missed is applied, whichever process runs it.
   */
  async replayToConsumer(
    consumer: string,
    options: { from?: string } = {},
  ): Promise<{ deliveries: number; events: number }> {
    const names = sqlArray(Object.keys(readsOf(consumer)));
    const from = options.from ?? null;
    let position = 0;
    let deliveries = 0;
    let events = 0;
    for (;;) {
      const batches = await this.db.execute<{
        position: string;
        publish_id: string;
        first_seq: number;
        event_count: number;
      }>(
        sql`select position, publish_id, first_seq, event_count from bus.event_batch
            where position > ${position} and event_names && ${names}
              and (${from}::timestamptz is null or event_time >= ${from}::timestamptz)
            order by position limit ${REPLAY_CHUNK}`,
      );
      if (batches.length === 0) return { deliveries, events };
      await this.boss.insert(
        consumer,
        batches.map((batch) => ({
          data: {
            publish_id: batch.publish_id,
            from_seq: batch.first_seq,
            to_seq: batch.first_seq + batch.event_count - 1,
          } satisfies Delivery,
        })),
      );
      position = Number(batches.at(-1)?.position);
      deliveries += batches.length;
      events += batches.reduce((sum, batch) => sum + batch.event_count, 0);
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

  /**
   * A page of the deliveries that exhausted their retries and of the poison events, oldest first,
   * with the events they carry as the log holds them, whatever those hold.
   */
  async deadLetters(
    options: { consumer?: string; after?: DeadLetterCursor; limit?: number } = {},
  ): Promise<{ letters: DeadLetter[]; next: DeadLetterCursor | null }> {
    const names = options.consumer ? [options.consumer] : [...consumers.keys()];
    const consumerOf = new Map(names.map((name) => [deadLetterQueue(name), name]));
    const limit = options.limit ?? 100;
    const after = options.after ?? null;
    const jobs = await this.db.execute<{
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
    const logged = await this.loggedEvents(page.map((job) => job.data).filter(isDelivery));
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
  private async loggedEvents(deliveries: Delivery[]): Promise<(delivery: Delivery) => DeadLetter['events']> {
    const ids = [...new Set(deliveries.map((d) => d.publish_id))];
    const batches =
      ids.length === 0
        ? []
        : await this.db.execute<{ publish_id: string; first_seq: number; events: unknown }>(
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
  async retryDeadLetters(consumer: string, ids?: string[]): Promise<number> {
    // pg-boss moves at most 1,000 a call; the cut-off keeps a letter that fails again at once out of the next round.
    const createdBefore = new Date();
    let moved = 0;
    for (;;) {
      const round = await this.boss.redrive(deadLetterQueue(consumer), {
        destination: consumer,
        createdBefore,
        ...(ids ? { ids } : {}),
      });
      moved += round;
      if (ids || round === 0) return moved;
    }
  }

  /** Drops dead letters for good (all of the consumer's without `ids`); returns how many went. */
  async discardDeadLetters(consumer: string, ids?: string[]): Promise<number> {
    const dead = deadLetterQueue(consumer);
    if (!ids) return this.boss.deleteQueuedJobs(dead);
    // pg-boss 12 types its command response as `{}`; at run time it holds the count.
    const { affected } = (await this.boss.deleteJob(dead, ids)) as { affected?: number };
    return affected ?? 0;
  }

  /** What is waiting where: undispatched batches, and per consumer its queue and its dead letters. */
  async status(): Promise<BusStatus> {
    const names = [...consumers.keys()];
    const [outbox] = await this.db.execute<{ undispatched: number }>(
      sql`select count(*)::int as undispatched from bus.outbox`,
    );
    const rows = await this.db.execute<{ name: string; waiting: number; retrying: number; oldest: string | null }>(sql`
      select name, count(*)::int as waiting, count(*) filter (where state = 'retry')::int as retrying,
        to_char(min(created_on) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as oldest
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
   * Stops dispatching and taking jobs, lets the batches in flight finish (or go back to the
   * queue), then closes. What is left in the outbox waits for the next dispatcher.
   */
  async stop(): Promise<void> {
    await this.dispatcher.stop();
    await this.boss.stop({ graceful: true, timeout: 20_000, close: true });
  }
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
  try {
    assertValidEvent(envelope);
  } catch (error) {
    if (error instanceof EventSchemaError) throw new UndeliverableEventError(error.message);
    throw error;
  }
  return envelope;
}

/** One event of the log, as a consumer reads it. */
type LogRow = {
  position: number;
  publish_id: string;
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
        publish_id: batch.publish_id,
        seq,
        event_time: batch.event_time,
        producer: batch.producer,
      });
    });
  }
  return rows;
}

/**
 * Validates and upcasts the events, then lets the inbox turn a redelivery into a no-op: only
 * events new to this consumer reach the handler. A poison event (one that fails the registry)
 * goes to `onPoison` instead, so it never holds back the events around it.
 */
async function applyEvents(
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

function isDelivery(delivery: unknown): delivery is Delivery {
  const d = delivery as Partial<Delivery> | null;
  return !!d && UUID.test(String(d.publish_id)) && Number.isInteger(d.from_seq) && Number.isInteger(d.to_seq);
}

/** `text` as jsonb and the API can carry it: unpaired surrogates and NULs become U+FFFD, and at most 2,000 characters. */
function storableText(text: string): string {
  return text.toWellFormed().replaceAll('\0', '\uFFFD').slice(0, 2_000);
}

/**
 * How many retries `policy` makes before its waits add up to `forSeconds`, taking each wait at the
 * shortest pg-boss draws: min(max, delay × 2^n), the delay at least 1 s.
 */
function retriesWithin(policy: RetryPolicy): number {
  let waited = 0;
  let retries = 0;
  while (waited < policy.forSeconds) {
    waited += Math.min(policy.maxDelaySeconds, Math.max(policy.delaySeconds, 1) * 2 ** (Math.min(16, retries + 1) - 1));
    retries++;
  }
  return retries;
}

function sqlArray(values: string[]) {
  return sql`${`{${values.map((v) => `"${v.replaceAll('"', '\\"')}"`).join(',')}}`}`;
}

function failure(consumer: string, job: Job<Delivery>, error: unknown): JobResult {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const message = storableText(error instanceof Error ? `${error.message}${cause}` : String(error));
  logger.warn({ consumer, job: job.id, attempt: job.retryCount, err: error }, 'delivery failed');
  return { id: job.id, status: 'failed', output: { message } };
}
