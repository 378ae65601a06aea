import { bigserial, index, integer, jsonb, pgSchema, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const bus = pgSchema('bus');

/** Append-only: every event ever published, in commit order of its position. */
export const eventLog = bus.table(
  'event_log',
  {
    position: bigserial('position', { mode: 'number' }).primaryKey(),
    eventId: uuid('event_id').notNull().unique(),
    publishId: uuid('publish_id').notNull(),
    seq: integer('seq').notNull(),
    eventName: text('event_name').notNull(),
    eventVersion: integer('event_version').notNull(),
    eventTime: timestamp('event_time', { withTimezone: true, mode: 'string' }).notNull(),
    producer: text('producer').notNull(),
    data: jsonb('data').notNull(),
  },
  (t) => [index('event_log_publish_idx').on(t.publishId, t.seq)],
);

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
