import type { Executor } from '../postgres/client.ts';
import type { Envelope, EventName } from './events.ts';
import { latestVersions } from './registry.ts';

/** Which event versions a consumer reads; older versions are upcast to these before it sees them. */
export type Reads = Partial<Record<EventName, number>>;

const EMPLOYEE = { 'Employee.Created': 1, 'Employee.Updated': 1, 'Employee.Deleted': 1 } satisfies Reads;
const TASK = { 'Task.Created': 2, 'Task.Updated': 2 } satisfies Reads;
const TASK_MONEY = { TaskAssigned: 1, TaskCompleted: 1 } satisfies Reads;
const LEDGER = { AccountDebited: 1, AccountCredited: 1, PayoutMade: 1 } satisfies Reads;

/** The consumers' names, each written here alone: code names a consumer by these. */
export const TASKS_EMPLOYEES_CONSUMER = 'tasks.employees';
export const LEDGER_CONSUMER = 'accounting.ledger';
export const PAYOUT_MAIL_CONSUMER = 'accounting.payout-mail';
export const PROJECTION_CONSUMER = 'analytics.projection';
export const FAN_OUT_CONSUMER = 'webhooks.fan-out';

/**
 * Every consumer and what it subscribes to: the bus's routing table. Producers fan an event out
 * to the queue of each consumer listed here, in the producer's own transaction, so the table is
 * static data that API and worker processes share.
 */
const topology = {
  [TASKS_EMPLOYEES_CONSUMER]: EMPLOYEE,
  [LEDGER_CONSUMER]: { ...EMPLOYEE, ...TASK, ...TASK_MONEY },
  [PAYOUT_MAIL_CONSUMER]: { PayoutMade: 1 },
  [PROJECTION_CONSUMER]: { ...EMPLOYEE, ...TASK, ...TASK_MONEY, ...LEDGER, BusinessDayClosed: 1 },
  [FAN_OUT_CONSUMER]: latestVersions(),
} satisfies Record<string, Reads>;

export type ConsumerName = keyof typeof topology;

declare const readsBrand: unique symbol;

/** The name `defineConsumer` gives back: it carries, for the types, what the consumer reads. */
export type DefinedConsumer<R extends Reads = Reads> = string & { readonly [readsBrand]: R };

/** A consumer: one of the topology's, or one `defineConsumer` added. Any other name is a type error. */
export type Consumer = ConsumerName | DefinedConsumer;

/** The names of the events `C` reads. */
export type ReadName<C extends Consumer> = C extends ConsumerName
  ? keyof (typeof topology)[C] & EventName
  : C extends DefinedConsumer<infer R>
    ? keyof R & EventName
    : never;

/** Applies a batch of new events, inside the transaction that records them in the consumer's inbox. */
export type Handler<N extends EventName = EventName> = (tx: Executor, events: Envelope<N>[]) => Promise<void>;

/** A handler for `C`: it is given only the events `C` reads, each with its data's type. */
export type ConsumerHandler<C extends Consumer> = Handler<ReadName<C>>;

/** The routing table as the bus runs it: the topology's consumers and those `defineConsumer` added. */
export const consumers = new Map<string, Reads>(Object.entries(topology));

/**
 * The consumers whose deliveries move or announce money: they keep retrying through an outage of a
 * day (see `BusOptions.patientRetry`) where the others give up after a few minutes. Static data
 * too, so every process configures their queues alike.
 */
export const patientConsumers = new Set<string>([LEDGER_CONSUMER, PAYOUT_MAIL_CONSUMER]);

/** Subscribes an extra consumer (a test's, or a new read side) before the bus starts; returns its name. */
export function defineConsumer<R extends Reads>(
  name: string,
  reads: R,
  options: { patient?: boolean } = {},
): DefinedConsumer<R> {
  consumers.set(name, reads);
  if (options.patient) patientConsumers.add(name);
  return name as DefinedConsumer<R>;
}

export function isConsumer(name: string): name is Consumer {
  return consumers.has(name);
}

export function readsOf(consumer: string): Reads {
  const reads = consumers.get(consumer);
  if (!reads) throw new Error(`unknown consumer ${consumer}`);
  return reads;
}

export const deadLetterQueue = (consumer: string) => `${consumer}.dead`;
