import { sql } from 'drizzle-orm';
import { bigint, check, integer, pgSchema, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** The analytics context's own state in Postgres; its read side lives in ClickHouse. */
export const analytics = pgSchema('analytics');

export type RebuildState = 'running' | 'done' | 'failed';

/**
 * A rebuild of the read side, shared by every API process: whoever serves the request reports
 * it. The process running it renews `leased_until` as it goes and records how far it got
 * (`position`, a batch of the event log); when a lease runs out (the process died or stopped),
 * any API process takes the rebuild over and replays on from there.
 */
export const rebuilds = analytics.table(
  'rebuilds',
  {
    id: uuid('id').primaryKey(),
    state: text('state').$type<RebuildState>().notNull(),
    position: bigint('position', { mode: 'number' }).notNull().default(0),
    done: integer('done').notNull().default(0),
    total: integer('total').notNull().default(0),
    rejected: integer('rejected').notNull().default(0),
    resumed: integer('resumed').notNull().default(0),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'string' }),
    leasedUntil: timestamp('leased_until', { withTimezone: true, mode: 'string' }).notNull(),
    error: text('error'),
  },
  (t) => [
    check('rebuilds_state_check', sql`${t.state} in ('running', 'done', 'failed')`),
    uniqueIndex('rebuilds_one_running_idx').on(t.state).where(sql`${t.state} = 'running'`),
  ],
);
