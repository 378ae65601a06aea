/** `@ates/db/bus`: the event bus, its events and their registry, and the consumers' topology. */
export { Dispatcher } from './dispatcher.ts';
export { type BusOptions, EventBus } from './event-bus.ts';
export {
  type BusinessDayClosedData,
  type EmployeeData,
  type Envelope,
  type EventName,
  eventsNamed,
  type LedgerEventData,
  type NewEvent,
  type Role,
  type TaskData,
  type TaskMoneyData,
} from './events.ts';
export { JIRA_ID, splitLegacyTitle } from './legacy-title.ts';
export type { BusStatus, ConsumerStatus, DeadLetter, DeadLetterCursor } from './operations.ts';
export type { RetryPolicy } from './queues.ts';
export {
  assertValidEvent,
  EventSchemaError,
  eventCatalogue,
  latestVersion,
  latestVersions,
  UndeliverableEventError,
} from './registry.ts';
export type { ReplayProgress } from './replay.ts';
export {
  type Consumer,
  type ConsumerHandler,
  consumers,
  defineConsumer,
  FAN_OUT_CONSUMER,
  type Handler,
  isConsumer,
  LEDGER_CONSUMER,
  PAYOUT_MAIL_CONSUMER,
  PROJECTION_CONSUMER,
  TASKS_EMPLOYEES_CONSUMER,
} from './topology.ts';
