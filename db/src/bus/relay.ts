import { sql } from 'drizzle-orm';
import { fromDrizzle, type PgBoss } from 'pg-boss';
import type { Database } from '../postgres/client.ts';
import { Dispatcher } from './dispatcher.ts';
import { deliveryOf } from './log.ts';
import { consumers } from './topology.ts';

/** Outbox rows the dispatcher queues per transaction. */
const DISPATCH_LIMIT = 500;

/** This process's dispatcher: it relays committed batches from the outbox to their consumers' queues. */
export function outboxDispatcher(db: Database, boss: PgBoss): Dispatcher {
  return new Dispatcher(() => dispatch(db, boss), DISPATCH_LIMIT);
}

/**
 * Moves committed batches from the outbox to their consumers' queues, in one transaction:
 * several dispatchers (one per process) share the work without queuing a batch twice.
 */
async function dispatch(db: Database, boss: PgBoss): Promise<number> {
  return db.transaction(async (tx) => {
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
    const bossTx = fromDrizzle(tx, sql);
    for (const [consumer, reads] of consumers) {
      const deliveries = batches
        .filter((batch) => batch.event_names.some((name) => name in reads))
        .map((batch) => ({ data: deliveryOf(batch) }));
      if (deliveries.length > 0) await boss.insert(consumer, deliveries, { db: bossTx });
    }
    return batches.length;
  });
}
