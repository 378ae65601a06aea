import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgSchema, primaryKey, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** The HTTP API's own state, shared by every API process: nothing a business context owns. */
export const http = pgSchema('http');

/**
 * One row per caller and `Idempotency-Key` (Stripe's semantics, see docs/design.md). A row with an
 * `owner` is claimed by a request still running, which touches `heartbeat_at` while it runs; once
 * it has answered, `owner` is null and the answer is kept for replay. Rows older than a day count
 * as absent and are purged by a job, off the request path.
 */
export const idempotencyKeys = http.table(
  'idempotency_keys',
  {
    employeeId: text('employee_id').notNull(),
    key: text('key').notNull(),
    /** sha256 of the method, path and body: a repeat must send the very same request. */
    requestHash: text('request_hash').notNull(),
    owner: uuid('owner'),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    status: smallint('status'),
    headers: jsonb('headers').$type<Record<string, string>>(),
    body: text('body'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.employeeId, t.key] }),
    index('idempotency_keys_created_at_idx').on(t.createdAt),
    check('idempotency_keys_claimed_or_answered', sql`(${t.owner} is null) = (${t.status} is not null)`),
  ],
);
