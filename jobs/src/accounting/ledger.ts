import { lockLedger } from '@ates/db/accounting';
import type { ConsumerHandler, EventBus, LEDGER_CONSUMER } from '@ates/db/bus';
import { sql } from 'drizzle-orm';
import { onEmployeeChanged } from './on-employee-changed.ts';
import { onTaskChanged } from './on-task-changed.ts';
import { onTaskMoney } from './on-task-money.ts';

/**
 * The consumer `accounting.ledger`: each batch, whatever mix of events it holds, is applied with a
 * few set-based statements, copies first so that accounts and descriptions exist before postings.
 */
export function ledgerHandler(bus: EventBus, timeZone: string): ConsumerHandler<typeof LEDGER_CONSUMER> {
  return async (tx, events) => {
    await lockLedger(tx);
    await tx.execute(sql`set local work_mem = '64MB'`);
    await onEmployeeChanged(tx, events);
    await onTaskChanged(tx, events);
    await onTaskMoney(tx, bus, timeZone, events);
  };
}
