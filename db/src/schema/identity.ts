import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const identity = pgSchema('identity');

const id = () => uuid('id').default(sql`pg_catalog.gen_random_uuid()`).primaryKey();
const at = (name: string) => timestamp(name, { withTimezone: true });

/**
 * The tables below `user` … `apikey` are better-auth's models (core, admin plugin, api-key
 * plugin) as its drizzle generator writes them for this configuration, with time zones.
 * An employee is a better-auth user; `banned` is how a deactivated employee is kept out.
 */
export const user = identity.table(
  'user',
  {
    id: id(),
    name: text('name').notNull(),
    email: text('email').notNull().unique(),
    emailVerified: boolean('email_verified').default(false).notNull(),
    image: text('image'),
    createdAt: at('created_at').defaultNow().notNull(),
    updatedAt: at('updated_at')
      .defaultNow()
      .$onUpdate(() => new Date())
      .notNull(),
    role: text('role').default('worker').notNull(),
    banned: boolean('banned').default(false),
    banReason: text('ban_reason'),
    banExpires: at('ban_expires'),
    /** Set when an admin resets the password: until the employee changes it, only that is allowed. */
    mustChangePassword: boolean('must_change_password').default(false).notNull(),
  },
  (t) => [
    check('user_role_check', sql`${t.role} in ('admin', 'manager', 'accountant', 'worker')`),
    index('user_name_idx').on(t.name, t.id),
  ],
);

export const session = identity.table(
  'session',
  {
    id: id(),
    expiresAt: at('expires_at').notNull(),
    token: text('token').notNull().unique(),
    createdAt: at('created_at').defaultNow().notNull(),
    updatedAt: at('updated_at')
      .$onUpdate(() => new Date())
      .notNull(),
    ipAddress: text('ip_address'),
    userAgent: text('user_agent'),
    userId: uuid('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    impersonatedBy: text('impersonated_by'),
  },
  (t) => [index('session_userId_idx').on(t.userId)],
);

export const account = identity.table(
  'account',
  {
    id: id(),
    accountId: text('account_id').notNull(),
    providerId: text('provider_id').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    accessToken: text('access_token'),
    refreshToken: text('refresh_token'),
    idToken: text('id_token'),
    accessTokenExpiresAt: at('access_token_expires_at'),
    refreshTokenExpiresAt: at('refresh_token_expires_at'),
    scope: text('scope'),
    password: text('password'),
    createdAt: at('created_at').defaultNow().notNull(),
    updatedAt: at('updated_at')
      .$onUpdate(() => new Date())
      .notNull(),
  },
  (t) => [index('account_userId_idx').on(t.userId)],
);

export const verification = identity.table(
  'verification',
  {
    id: id(),
    identifier: text('identifier').notNull(),
    value: text('value').notNull(),
    expiresAt: at('expires_at').notNull(),
    createdAt: at('created_at').defaultNow().notNull(),
    updatedAt: at('updated_at')
      .defaultNow()
      .$onUpdate(() => new Date())
      .notNull(),
  },
  (t) => [index('verification_identifier_idx').on(t.identifier)],
);

/** API keys for integrations: `reference_id` is the owning employee; `key` holds only a hash. */
export const apikey = identity.table(
  'apikey',
  {
    id: id(),
    configId: text('config_id').default('default').notNull(),
    name: text('name'),
    start: text('start'),
    referenceId: text('reference_id').notNull(),
    prefix: text('prefix'),
    key: text('key').notNull(),
    refillInterval: integer('refill_interval'),
    refillAmount: integer('refill_amount'),
    lastRefillAt: at('last_refill_at'),
    enabled: boolean('enabled').default(true),
    rateLimitEnabled: boolean('rate_limit_enabled').default(true),
    rateLimitTimeWindow: integer('rate_limit_time_window').default(86400000),
    rateLimitMax: integer('rate_limit_max').default(10),
    requestCount: integer('request_count').default(0),
    remaining: integer('remaining'),
    lastRequest: at('last_request'),
    expiresAt: at('expires_at'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
    permissions: text('permissions'),
    metadata: text('metadata'),
  },
  (t) => [
    index('apikey_configId_idx').on(t.configId),
    index('apikey_referenceId_idx').on(t.referenceId),
    index('apikey_key_idx').on(t.key),
  ],
);

/** The tables better-auth reads and writes through its drizzle adapter, by model name. */
export const authTables = { user, session, account, verification, apikey };

/** Fixed-window request counters for better-auth's rate limiter, shared by every API process. */
export const rateLimit = identity.table(
  'rate_limit',
  {
    key: text('key').primaryKey(),
    count: integer('count').notNull(),
    windowStart: at('window_start').notNull(),
  },
  (t) => [index('rate_limit_window_start_idx').on(t.windowStart)],
);

/**
 * Failed sign-in attempts per account and per client address (`key`), each budget with delays
 * that grow with `failures` counted from `last_attempt_at`: what the sign-in limit reads.
 */
export const signInFailure = identity.table(
  'sign_in_failure',
  {
    key: text('key').primaryKey(),
    failures: integer('failures').notNull(),
    lastAttemptAt: at('last_attempt_at').notNull(),
  },
  (t) => [index('sign_in_failure_last_attempt_at_idx').on(t.lastAttemptAt)],
);
