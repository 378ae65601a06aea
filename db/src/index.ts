/**
 * `@ates/db`: Postgres (embedded or a server), its migrations and advisory locks, configuration,
 * logging. Each context's stores have an entry point of their own: `@ates/db/bus`,
 * `@ates/db/accounting`, `@ates/db/analytics`, `@ates/db/webhooks`, `@ates/db/http`,
 * `@ates/db/schema`, and `@ates/db/testing` for tests.
 */
export { atesHome, businessTimeZone, makePrivateFolder, tasksPerHour } from './config.ts';
export { createLogger, logger } from './logger.ts';
export { ADVISORY_LOCKS } from './postgres/advisory-locks.ts';
export {
  connectPostgres,
  type Database,
  type Executor,
  forgetOnNotify,
  isPostgresUnavailable,
  type PostgresConnection,
} from './postgres/client.ts';
export { AtesHomeBusyError, type EmbeddedPostgresHandle, startEmbeddedPostgres } from './postgres/embedded.ts';
export { isoTime, isoTimeSql } from './postgres/iso-time.ts';
export { migratePostgres } from './postgres/migrate.ts';
export { observed } from './promises.ts';
