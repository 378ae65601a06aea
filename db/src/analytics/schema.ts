/**
 * The analytics read side: one table per kind of fact, fed only by events (see projection.ts).
 * Every table may hold a row twice (ClickHouse and the bus inbox share no transaction, so a crash
 * between them redelivers): the engines drop exact copies when they merge, and every report
 * dedupes again at read time, with `LIMIT 1 BY event_id` or `argMax`.
 * Instants are Int64 milliseconds since the epoch, as exact as the events' ISO times.
 */
export const READ_SIDE_TABLES = ['employees', 'tasks', 'task_completions', 'ledger_entries', 'closed_days'] as const;

export type ReadSideTable = (typeof READ_SIDE_TABLES)[number];

/** One statement (see the dialect rules in store.ts), applied once per store, in list order. */
export interface AnalyticsMigration {
  readonly id: string;
  readonly sql: string;
}

export const readSideMigrations: readonly AnalyticsMigration[] = [
  {
    id: '0002_employees',
    // The newest version of each employee survives a merge; reports read it with argMax(…, version).
    sql: `CREATE TABLE IF NOT EXISTS employees (
      employee_id String, full_name String, email String, role String, deleted UInt8,
      version Int64, event_id UUID
    ) ENGINE = ReplacingMergeTree(version) ORDER BY employee_id`,
  },
  {
    id: '0003_tasks',
    sql: `CREATE TABLE IF NOT EXISTS tasks (
      task_id String, title String, jira_id Nullable(String), description Nullable(String),
      version Int64, event_id UUID
    ) ENGINE = ReplacingMergeTree(version) ORDER BY task_id`,
  },
  {
    id: '0004_task_completions',
    // Sorted the way the most expensive tasks are ranked (highest reward, then earliest): the engine
    // reads any period's completions in key order and stops after the first rows, sorting nothing.
    sql: `CREATE TABLE IF NOT EXISTS task_completions (
      event_id UUID, task_id String, employee_id String, reward Int64, completed_at_ms Int64
    ) ENGINE = ReplacingMergeTree()
      PARTITION BY toYYYYMM(toDateTime(intDiv(completed_at_ms, 1000), 'UTC'))
      ORDER BY (negate(reward), completed_at_ms, task_id, event_id)`,
  },
  {
    id: '0005_ledger_entries',
    // AccountDebited (a fee: the employee pays the company), AccountCredited (a reward: the company
    // pays the employee), PayoutMade (the employee's positive balance leaves at a close); `amount`
    // is positive, `business_day` the ledger's day of the posting.
    sql: `CREATE TABLE IF NOT EXISTS ledger_entries (
      event_id UUID, kind Enum8('debit' = 1, 'credit' = 2, 'payout' = 3), transaction_id String,
      task_id Nullable(String), employee_id String, amount Int64, at_ms Int64, business_day Date
    ) ENGINE = ReplacingMergeTree()
      PARTITION BY toYYYYMM(business_day)
      ORDER BY (business_day, kind, employee_id, event_id)`,
  },
  {
    id: '0006_closed_days',
    // One row per BusinessDayClosed: with today, it tells the reports which business day is in
    // progress (the ledger's rule: today, or tomorrow once today has closed early).
    sql: `CREATE TABLE IF NOT EXISTS closed_days (
      business_day Date, closed_at_ms Int64, event_id UUID
    ) ENGINE = ReplacingMergeTree() ORDER BY (business_day, event_id)`,
  },
];
