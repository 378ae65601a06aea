import { sql } from 'drizzle-orm';
import { bigserial, check, index, integer, jsonb, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const webhooks = pgSchema('webhooks');

export type EndpointStatus = 'enabled' | 'disabled' | 'failing';
export type DeliveryStatus = 'pending' | 'delivered' | 'dead';
export type DeliveryReason = 'event' | 'ping' | 'replay';

/**
 * A receiver an admin registered, with the events it subscribes to and its signing secrets.
 * The secrets are kept as they are (aTES signs with them); `previous_secret` still signs until
 * `previous_secret_expires_at`, so a receiver can switch over after a rotation. `failing` is an
 * endpoint aTES disabled itself after failing for the whole retry window since `failing_since`.
 */
export const endpoints = webhooks.table(
  'endpoints',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    url: text('url').notNull(),
    description: text('description'),
    events: text('events').array().notNull(),
    secret: text('secret').notNull(),
    previousSecret: text('previous_secret'),
    previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true, mode: 'string' }),
    status: text('status').$type<EndpointStatus>().notNull().default('enabled'),
    failingSince: timestamp('failing_since', { withTimezone: true, mode: 'string' }),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [
    check('endpoints_status_check', sql`${t.status} in ('enabled', 'disabled', 'failing')`),
    check('endpoints_events_check', sql`cardinality(${t.events}) > 0`),
  ],
);

/**
 * One message to one endpoint: an event of the log (at its current version), a replayed one,
 * or a ping. `body` is exactly what is POSTed. The sender claims a due row by setting
 * `leased_until`, so several senders share the work and a crashed one's rows come back.
 */
export const deliveries = webhooks.table(
  'deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => endpoints.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id').notNull(),
    eventName: text('event_name').notNull(),
    reason: text('reason').$type<DeliveryReason>().notNull(),
    body: jsonb('body').notNull(),
    status: text('status').$type<DeliveryStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    /** Retries stop (the delivery is dead-lettered) once a failure happens after this. */
    retryUntil: timestamp('retry_until', { withTimezone: true, mode: 'string' }).notNull(),
    leasedUntil: timestamp('leased_until', { withTimezone: true, mode: 'string' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'string' }),
  },
  (t) => [
    check('deliveries_status_check', sql`${t.status} in ('pending', 'delivered', 'dead')`),
    check('deliveries_reason_check', sql`${t.reason} in ('event', 'ping', 'replay')`),
    index('deliveries_due_idx').on(t.endpointId, t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index('deliveries_endpoint_idx').on(t.endpointId, t.createdAt),
  ],
);

/** Every POST of a delivery and how the receiver answered (or why there was no answer). */
export const attempts = webhooks.table(
  'attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => deliveries.id, { onDelete: 'cascade' }),
    attemptedAt: timestamp('attempted_at', { withTimezone: true, mode: 'string' }).notNull(),
    /** The HTTP status, or null when no answer came (refused, timed out, blocked address). */
    statusCode: integer('status_code'),
    latencyMs: integer('latency_ms').notNull(),
    /** The first bytes of the answer, or the error. */
    answer: text('answer').notNull(),
  },
  (t) => [index('attempts_delivery_idx').on(t.deliveryId, t.attemptedAt)],
);
