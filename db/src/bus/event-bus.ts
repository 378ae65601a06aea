import type { SQL } from 'drizzle-orm';
import { PgBoss } from 'pg-boss';
import { patientRetryFromEnv } from '../config.ts';
import { logger } from '../logger.ts';
import type { Database, Executor } from '../postgres/client.ts';
import { work } from './deliver.ts';
import type { Dispatcher } from './dispatcher.ts';
import type { Envelope, NewEvent } from './events.ts';
import {
  type BusStatus,
  type DeadLetter,
  type DeadLetterCursor,
  deadLetters,
  discardDeadLetters,
  retryDeadLetters,
  settle,
  status,
} from './operations.ts';
import { publish, publishWith } from './publish.ts';
import { createQueues, type QueueSettings, type RetryPolicy } from './queues.ts';
import { outboxDispatcher } from './relay.ts';
import { type ReplayProgress, readLog, replay, replayToConsumer, resetConsumer } from './replay.ts';
import { type Consumer, type ConsumerHandler, consumers, type Handler, type Reads } from './topology.ts';

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

/**
 * The event bus of one process, composed of its seams: `publish.ts` appends events to the log
 * and the outbox, `relay.ts` moves committed batches to the consumers' queues, `deliver.ts`
 * applies deliveries through each consumer's inbox, and `replay.ts` and `operations.ts` serve
 * the operators (replays, dead letters, status).
 */
export class EventBus {
  readonly boss: PgBoss;
  private readonly db: Database;
  private readonly settings: QueueSettings;
  private readonly dispatcher: Dispatcher;
  private readonly subscribed = new Set<Consumer>();

  constructor(databaseUrl: string, db: Database, options: BusOptions = {}) {
    this.db = db;
    this.settings = {
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
    };
    const superviseIntervalSeconds = options.superviseIntervalSeconds ?? 30;
    this.boss = new PgBoss({
      connectionString: databaseUrl,
      max: 10,
      useListenNotify: true,
      superviseIntervalSeconds,
      monitorIntervalSeconds: superviseIntervalSeconds,
    });
    this.boss.on('error', (error) => logger.error({ err: error }, 'pg-boss error'));
    this.dispatcher = outboxDispatcher(db, this.boss);
  }

  /**
   * Starts pg-boss, makes sure every consumer's queue and dead-letter queue exist, and starts
   * this process's dispatcher, which queues committed events for their consumers.
   */
  async start(): Promise<void> {
    await this.boss.start();
    for (const consumer of consumers.keys()) await createQueues(this.db, this.boss, consumer, this.settings);
    this.dispatcher.start();
  }

  /** See `publish` in publish.ts; the dispatcher then looks at the outbox soon and often. */
  async publish(tx: Executor, producer: string, events: NewEvent[]): Promise<Envelope[]> {
    const envelopes = await publish(tx, producer, events);
    if (envelopes.length > 0) this.dispatcher.poke();
    return envelopes;
  }

  /** See `publishWith` in publish.ts: a change and its events in one statement. */
  async publishWith(
    db: Executor,
    producer: string,
    change: SQL,
    events: NewEvent[],
  ): Promise<{ changed: number; envelopes: Envelope[] }> {
    const published = await publishWith(db, producer, change, events);
    if (published.changed > 0) this.dispatcher.poke();
    return published;
  }

  /** Runs `handler` for each batch of new events delivered to `consumer`, once per event id (see deliver.ts). */
  async subscribe<C extends Consumer>(consumer: C, handler: ConsumerHandler<C>): Promise<void> {
    await createQueues(this.db, this.boss, consumer, this.settings);
    this.subscribed.add(consumer);
    // The bus gives a consumer only the events it reads (`eventsOf` filters on them), which is all the handler takes.
    await work(this.db, this.boss, consumer, handler as Handler);
  }

  /** See `settle` in operations.ts; `consumerNames` are by default the consumers this process subscribed. */
  settle(consumerNames: Consumer[] = [...this.subscribed], timeoutMs = 30_000): Promise<void> {
    return settle(this.db, consumerNames, timeoutMs);
  }

  /** See `replay` in replay.ts: the log through one consumer's inbox, in this process. */
  replay<C extends Consumer>(
    consumer: C,
    handler: ConsumerHandler<C>,
    options: { fromPosition?: number; batchesPerStep?: number; onProgress?: (progress: ReplayProgress) => void } = {},
  ): Promise<{ delivered: number; rejected: number }> {
    // As in `subscribe`: the handler is given only the events the consumer reads.
    return replay(this.db, consumer, handler as Handler, options);
  }

  /** See `replayToConsumer` in replay.ts: the log queued once more for one consumer's workers. */
  replayToConsumer(
    consumer: Consumer,
    options: { from?: string } = {},
  ): Promise<{ deliveries: number; events: number }> {
    return replayToConsumer(this.db, this.boss, consumer, options);
  }

  /** See `readLog` in replay.ts: a page of the log for a resend, without the inbox. */
  readLog(
    reads: Reads,
    options: { since: string; afterPosition?: number; batchesPerPage?: number },
  ): Promise<{ events: Envelope[]; nextPosition: number | undefined }> {
    return readLog(this.db, reads, options);
  }

  /** See `resetConsumer` in replay.ts: the consumer's inbox emptied, for a replay. */
  resetConsumer(consumer: Consumer): Promise<void> {
    return resetConsumer(this.db, consumer);
  }

  /** See `deadLetters` in operations.ts: a page of dead letters, oldest first. */
  deadLetters(
    options: { consumer?: Consumer; after?: DeadLetterCursor; limit?: number } = {},
  ): Promise<{ letters: DeadLetter[]; next: DeadLetterCursor | null }> {
    return deadLetters(this.db, options);
  }

  /** See `retryDeadLetters` in operations.ts: dead letters back to their consumer's queue. */
  retryDeadLetters(consumer: Consumer, ids?: string[]): Promise<number> {
    return retryDeadLetters(this.boss, consumer, ids);
  }

  /** See `discardDeadLetters` in operations.ts: dead letters dropped for good. */
  discardDeadLetters(consumer: Consumer, ids?: string[]): Promise<number> {
    return discardDeadLetters(this.boss, consumer, ids);
  }

  /** See `status` in operations.ts: what is waiting where. */
  status(): Promise<BusStatus> {
    return status(this.db);
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
