export { analyticsMigrations, migrateAnalytics } from './analytics/migrations.ts';
export type { AnalyticsMigration } from './analytics/schema.ts';
export {
  type AnalyticsStore,
  AnalyticsUnavailableError,
  openAnalyticsOnDemand,
  openAnalyticsStore,
} from './analytics/store.ts';
export { type BusOptions, EventBus } from './bus/event-bus.ts';
export type * from './bus/events.ts';
export { eventsNamed } from './bus/events.ts';
export { splitLegacyTitle } from './bus/legacy-title.ts';
export type { BusStatus, ConsumerStatus, DeadLetter, DeadLetterCursor } from './bus/operations.ts';
export type { RetryPolicy } from './bus/queues.ts';
export { EventSchemaError, UndeliverableEventError } from './bus/registry.ts';
export type { ReplayProgress } from './bus/replay.ts';
export { type Consumer, type ConsumerHandler, defineConsumer, type Handler } from './bus/topology.ts';
export { atesHome, businessTimeZone, makePrivateFolder, tasksPerHour } from './config.ts';
export { createLogger, logger } from './logger.ts';
export {
  connectPostgres,
  type Database,
  type Executor,
  forgetOnNotify,
  isPostgresUnavailable,
  type PostgresConnection,
} from './postgres/client.ts';
export { AtesHomeBusyError, type EmbeddedPostgresHandle, startEmbeddedPostgres } from './postgres/embedded.ts';
export { migratePostgres } from './postgres/migrate.ts';
export { observed } from './promises.ts';
