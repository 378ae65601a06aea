import { sql } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import { logger } from '../logger.ts';
import type { Database } from '../postgres/client.ts';
import { applyEvents } from './deliver.ts';
import type { Envelope } from './events.ts';
import { type BatchRow, batchColumns, deliveryOf, eventsOf, type LogRow, sqlArray, toConsumerVersion } from './log.ts';
import { EventSchemaError } from './registry.ts';
import { type Handler, type Reads, readsOf } from './topology.ts';

/** After each step of a replay: events done and in all since `fromPosition`, poison skipped, the batch reached. */
export interface ReplayProgress {
  done: number;
  total: number;
  rejected: number;
  position: number;
}

/** Log batches a replay queues per round. */
const REPLAY_CHUNK = 2_000;

/**
 * Delivers the event log after `fromPosition` (a batch position, exclusive) to one consumer, in
 * order, in this process, through the same inbox as live delivery: the way a read side is
 * rebuilt after `resetConsumer`. Poison events are counted as rejected and skipped.
 */
export async function replay(
  db: Database,
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
  const [{ total } = { total: 0 }] = await db.execute<{ total: number }>(
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
    const batches = await db.execute<BatchRow>(
      sql`select ${batchColumns} from bus.event_batch b
          where b.position > ${position} and b.event_names && ${names}
          order by b.position limit ${batchesPerStep}`,
    );
    if (batches.length === 0) return { delivered: delivered - rejected, rejected };
    const rows = eventsOf(batches, readsOf(consumer));
    await db.transaction((tx) => applyEvents(tx, consumer, handler, rows, skipPoison));
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
export async function replayToConsumer(
  db: Database,
  boss: PgBoss,
  consumer: string,
  options: { from?: string } = {},
): Promise<{ deliveries: number; events: number }> {
  const names = sqlArray(Object.keys(readsOf(consumer)));
  const from = options.from ?? null;
  let position = 0;
  let deliveries = 0;
  let events = 0;
  for (;;) {
    const batches = await db.execute<{
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
    await boss.insert(
      consumer,
      batches.map((batch) => ({ data: deliveryOf(batch) })),
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
export async function readLog(
  db: Database,
  reads: Reads,
  options: { since: string; afterPosition?: number; batchesPerPage?: number },
): Promise<{ events: Envelope[]; nextPosition: number | undefined }> {
  const batches = await db.execute<BatchRow>(
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
export async function resetConsumer(db: Database, consumer: string): Promise<void> {
  await db.execute(sql`delete from bus.inbox where consumer = ${consumer}`);
}
