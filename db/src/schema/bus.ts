import { sql } from 'drizzle-orm';
import { bigint, index, integer, json, jsonb, pgSchema, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const bus = pgSchema('bus');

/**
 * The append-only event log, stored as batches: one row holds up to a thousand consecutive events
 * of one publish, so a bulk change (a reassign publishes 200,000 events) writes a few hundred rows
 * instead of one per event. The view `bus.event_log` shows it as one row per event.
 */
export const eventBatch = bus.table(
  'event_batch',
  {
    position: bigint('position', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    publishId: uuid('publish_id').notNull(),
    /** The publish-wide sequence number of the batch's first event, from 1. */
    firstSeq: integer('first_seq').notNull(),
    eventCount: integer('event_count').notNull(),
    /** The distinct names in the batch: what routes it to consumers and filters a replay. */
    eventNames: text('event_names').array().notNull(),
    eventTime: timestamp('event_time', { withTimezone: true, mode: 'string' }).notNull(),
    producer: text('producer').notNull(),
    /** `[{ event_id, event_name, event_version, data }]`, in sequence order. */
    events: json('events').notNull(),
  },
  (t) => [index('event_batch_publish_idx').on(t.publishId, t.firstSeq)],
);

/** Batches committed but not yet queued for their consumers: the bus's transactional outbox. */
export const outbox = bus.table('outbox', {
  position: bigint('position', { mode: 'number' }).primaryKey(),
});

/** What each consumer has applied: written in the same transaction as the effect. */
export const inbox = bus.table(
  'inbox',
  {
    consumer: text('consumer').notNull(),
    eventId: uuid('event_id').notNull(),
    appliedAt: timestamp('applied_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.consumer, t.eventId] })],
);

/** One row per event, for reading the log by hand and in tests; written only through batches. */
export const eventLog = bus
  .view('event_log', {
    position: bigint('position', { mode: 'number' }).notNull(),
    eventId: uuid('event_id').notNull(),
    publishId: uuid('publish_id').notNull(),
    seq: integer('seq').notNull(),
    eventName: text('event_name').notNull(),
    eventVersion: integer('event_version').notNull(),
    eventTime: timestamp('event_time', { withTimezone: true, mode: 'string' }).notNull(),
    producer: text('producer').notNull(),
    data: jsonb('data').notNull(),
  })
  .as(sql`select b.position, (e.event->>'event_id')::uuid as event_id, b.publish_id,
      b.first_seq + e.n::int - 1 as seq, e.event->>'event_name' as event_name,
      (e.event->>'event_version')::int as event_version, b.event_time, b.producer, (e.event->'data')::jsonb as data
    from bus.event_batch b cross join lateral json_array_elements(b.events) with ordinality as e(event, n)`);

/**
 * Every aTES process that runs against this database, renewed every few seconds while it lives
 * and removed when it stops: what an admin's status lists as the processes seen.
 */
export const processes = bus.table('processes', {
  id: uuid('id').primaryKey(),
  /** `api`, `workers`, or both. */
  roles: text('roles').array().notNull(),
  host: text('host').notNull(),
  pid: integer('pid').notNull(),
  apiUrl: text('api_url'),
  startedAt: timestamp('started_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  seenAt: timestamp('seen_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});
