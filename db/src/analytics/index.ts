/** `@ates/db/analytics`: the read side's stores (chDB or a ClickHouse server), schema and projection. */
export { openChdbStore } from './chdb.ts';
export { type AnalyticsStore, AnalyticsUnavailableError } from './engine.ts';
export { analyticsMigrations, migrateAnalytics } from './migrations.ts';
export { projectEvents, projectionHandler, rebuildReadSide } from './projection.ts';
export { type AnalyticsMigration, READ_SIDE_TABLES } from './schema.ts';
export { openAnalyticsOnDemand, openAnalyticsStore } from './store.ts';
