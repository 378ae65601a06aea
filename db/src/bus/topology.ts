import type { EventName } from './events.ts';
import { latestVersions } from './registry.ts';

/** Which event versions a consumer reads; older versions are upcast to these before it sees them. */
export type Reads = Partial<Record<EventName, number>>;

const EMPLOYEE: Reads = { 'Employee.Created': 1, 'Employee.Updated': 1, 'Employee.Deleted': 1 };
const TASK: Reads = { 'Task.Created': 2, 'Task.Updated': 2 };
const TASK_MONEY: Reads = { TaskAssigned: 1, TaskCompleted: 1 };
const LEDGER: Reads = { AccountDebited: 1, AccountCredited: 1, PayoutMade: 1 };

/**
 * Every consumer and what it subscribes to: the bus's routing table. Producers fan an event out
 * to the queue of each consumer listed here, in the producer's own transaction, so the table is
 * static data that API and worker processes share.
 */
export const consumers = new Map<string, Reads>([
  ['tasks.employees', EMPLOYEE],
  ['accounting.ledger', { ...EMPLOYEE, ...TASK, ...TASK_MONEY }],
  ['accounting.payout-mail', { PayoutMade: 1 }],
  ['analytics.projection', { ...EMPLOYEE, ...TASK, ...TASK_MONEY, ...LEDGER, BusinessDayClosed: 1 }],
  ['webhooks.fan-out', latestVersions()],
]);

/**
 * The consumers whose deliveries move or announce money: they keep retrying through an outage of a
 * day (see `BusOptions.patientRetry`) where the others give up after a few minutes. Static data
 * too, so every process configures their queues alike.
 */
export const patientConsumers = new Set(['accounting.ledger', 'accounting.payout-mail']);

/** Subscribes an extra consumer (a test's, or a new read side) before the bus starts. */
export function defineConsumer(name: string, reads: Reads, options: { patient?: boolean } = {}): void {
  consumers.set(name, reads);
  if (options.patient) patientConsumers.add(name);
}

export function readsOf(consumer: string): Reads {
  const reads = consumers.get(consumer);
  if (!reads) throw new Error(`unknown consumer ${consumer}`);
  return reads;
}

export const deadLetterQueue = (consumer: string) => `${consumer}.dead`;
