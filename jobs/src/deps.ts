import type { Database } from '@ates/db';
import type { AnalyticsStore } from '@ates/db/analytics';
import type { EventBus } from '@ates/db/bus';

/** What the workers need from the process that runs them. */
export interface JobsDeps {
  db: Database;
  bus: EventBus;
  analytics: AnalyticsStore;
  /** `$ATES_HOME`: the mail outbox lives under it when no SMTP server is configured. */
  home: string;
}
