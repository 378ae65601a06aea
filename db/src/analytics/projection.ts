import { sql } from 'drizzle-orm';
import type { EventBus } from '../bus/event-bus.ts';
import type { Envelope } from '../bus/events.ts';
import type { ReplayProgress } from '../bus/replay.ts';
import { type ConsumerHandler, PROJECTION_CONSUMER } from '../bus/topology.ts';
import { ADVISORY_LOCKS } from '../postgres/advisory-locks.ts';
import type { Database } from '../postgres/client.ts';
import { READ_SIDE_TABLES, type ReadSideTable } from './schema.ts';
import type { AnalyticsStore } from './store.ts';

type Row = Record<string, unknown>;
export type ReadSideRows = Record<ReadSideTable, Row[]>;

const LEDGER_KIND = { AccountDebited: 'debit', AccountCredited: 'credit', PayoutMade: 'payout' } as const;

/** The rows a batch of events adds to each read-side table; TaskAssigned adds none (its fee arrives as AccountDebited). */
export function readSideRows(events: Envelope[]): ReadSideRows {
  const rows: ReadSideRows = { employees: [], tasks: [], task_completions: [], ledger_entries: [], closed_days: [] };
  for (const event of events) {
    switch (event.event_name) {
      case 'Employee.Created':
      case 'Employee.Updated':
      case 'Employee.Deleted': {
        const { employee_id, full_name, email, role } = event.data;
        const deleted = event.event_name === 'Employee.Deleted' ? 1 : 0;
        rows.employees.push({
          employee_id,
          full_name,
          email,
          role,
          deleted,
          version: ms(event.event_time),
          event_id: event.event_id,
        });
        break;
      }
      case 'Task.Created':
      case 'Task.Updated': {
        const { task_id, title, jira_id, description } = event.data;
        rows.tasks.push({
          task_id,
          title,
          jira_id,
          description,
          version: ms(event.event_time),
          event_id: event.event_id,
        });
        break;
      }
      case 'TaskCompleted': {
        const { task_id, employee_id, amount, at } = event.data;
        rows.task_completions.push({
          event_id: event.event_id,
          task_id,
          employee_id,
          reward: amount,
          completed_at_ms: ms(at),
        });
        break;
      }
      case 'AccountDebited':
      case 'AccountCredited':
      case 'PayoutMade': {
        const { transaction_id, task_id, employee_id, amount, at, business_day } = event.data;
        rows.ledger_entries.push({
          event_id: event.event_id,
          kind: LEDGER_KIND[event.event_name],
          transaction_id,
          task_id,
          employee_id,
          amount,
          at_ms: ms(at),
          business_day,
        });
        break;
      }
      case 'BusinessDayClosed': {
        const { business_day, closed_at } = event.data;
        rows.closed_days.push({ business_day, closed_at_ms: ms(closed_at), event_id: event.event_id });
        break;
      }
    }
  }
  return rows;
}

/** Writes a batch of events to the read side: one insert per table that gets rows. */
export async function projectEvents(store: AnalyticsStore, events: Envelope[]): Promise<void> {
  const rows = readSideRows(events);
  for (const table of READ_SIDE_TABLES) {
    if (rows[table].length > 0) await store.insert(table, rows[table]);
  }
}

/**
 * The `analytics.projection` handler, live and on replay. The bus commits the inbox after this
 * returns, in Postgres; a crash in between redelivers, which the reports' dedupe absorbs.
 */
export function projectionHandler(store: AnalyticsStore): ConsumerHandler<typeof PROJECTION_CONSUMER> {
  return async (tx, events) => {
    await tx.execute(sql`select pg_advisory_xact_lock_shared(${ADVISORY_LOCKS.projection})`);
    await projectEvents(store, events);
  };
}

/**
 * Empties the read side and forgets what the projection has applied, so a replay fills it again.
 * Projection transactions in flight finish first and new ones wait: otherwise one could write
 * before the tables are emptied and mark its events applied after the inbox is cleared, and the
 * replay would skip events the read side no longer holds.
 */
export async function resetReadSide(db: Database, bus: EventBus, store: AnalyticsStore): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${ADVISORY_LOCKS.projection})`);
    for (const table of READ_SIDE_TABLES) await store.command(`TRUNCATE TABLE ${table}`);
    await bus.resetConsumer(PROJECTION_CONSUMER);
  });
}

/**
 * Rebuilds the read side from the event log: empties it, then replays every event it reads. A
 * poison event is skipped and counted as rejected, and the rebuild carries on. From a
 * `fromPosition` (a batch of the log) it resumes a rebuild cut short there instead: the read
 * side is kept, and what was replayed past that point already is skipped by the inbox.
 */
export async function rebuildReadSide(
  db: Database,
  bus: EventBus,
  store: AnalyticsStore,
  options: { fromPosition?: number; onProgress?: (progress: ReplayProgress) => void } = {},
): Promise<{ delivered: number; rejected: number }> {
  if (!options.fromPosition) await resetReadSide(db, bus, store);
  return bus.replay(PROJECTION_CONSUMER, projectionHandler(store), options);
}

const ms = (iso: string) => Date.parse(iso);
