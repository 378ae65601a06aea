import type { AnalyticsStore, Database, EventBus } from '@ates/db';

/** What the API needs from the process that runs it. */
export interface ApiDeps {
  db: Database;
  bus: EventBus;
  analytics: AnalyticsStore;
}
