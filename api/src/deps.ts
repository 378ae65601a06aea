import type { BlockList } from 'node:net';
import type { Database } from '@ates/db';
import type { AnalyticsStore } from '@ates/db/analytics';
import type { EventBus } from '@ates/db/bus';

/** What the API needs from the process that runs it. */
export interface ApiDeps {
  db: Database;
  bus: EventBus;
  analytics: AnalyticsStore;
  settings: ApiSettings;
}

/** The operator's settings the API reads once, at start (see `apiSettings`). */
export interface ApiSettings {
  /** Where clients reach the API: better-auth's base URL, and the one origin trusted with a cookie. */
  publicUrl: string;
  /** What session tokens and cookies are signed with. */
  authSecret: string;
  /** How long a session lasts at most since sign-in, however often it is used. */
  sessionMaxAgeSeconds: number;
  /** The peers whose X-Forwarded-For tells the client's address. */
  trustedProxies: BlockList;
}
