import type { AnalyticsStore } from '@ates/db/analytics';
import { addDays, type DayRange, daysBetween, today } from './period.ts';

/**
 * The reports, read from the analytics store only. Each ledger event and each completion counts
 * once however often it was delivered (see schema.ts): ledger queries dedupe with `LIMIT 1 BY
 * event_id`, the ranking of tasks skips the copies that follow a row. SQL follows the dialect
 * rules in db/src/analytics/store.ts (ClickHouse 18.16 and chDB 26).
 */

/** How the read side stores a ledger entry: by the event that moved the account. */
type EntryKind = 'debit' | 'credit' | 'payout';

/**
 * The same entries in the words of accounting's audit log (`GET /v1/accounts/{id}/audit`): an
 * account is debited only for a fee and credited only for a reward.
 */
const AUDIT_KIND = { debit: 'fee', credit: 'reward', payout: 'payout' } as const satisfies Record<EntryKind, string>;

export interface DayEarnings {
  businessDay: string;
  /** Assign fees charged that day: what the company took in. */
  feesCents: number;
  /** Completion rewards paid that day: what the company gave out. */
  rewardsCents: number;
  /** Fees less rewards: what top management earned. */
  managementEarningsCents: number;
  /** Positive balances paid out at the day's close. */
  payoutsCents: number;
}

export interface Summary extends DayEarnings {
  employeesInNegative: number;
}

export interface TopTask {
  rank: number;
  taskId: string;
  jiraId: string | null;
  title: string;
  description: string | null;
  rewardCents: number;
  completedAt: string;
  completedById: string;
  completedByName: string | null;
}

export interface AuditEntry {
  eventId: string;
  transactionId: string;
  kind: (typeof AUDIT_KIND)[EntryKind];
  employeeId: string;
  fullName: string | null;
  /** Signed as the employee's balance moves: a fee or a payout negative, a reward positive. */
  amountCents: number;
  at: string;
  taskId: string | null;
  jiraId: string | null;
  title: string | null;
  description: string | null;
}

export interface Payout {
  transactionId: string;
  employeeId: string;
  fullName: string | null;
  email: string | null;
  amountCents: number;
  paidAt: string;
}

/** A position in a day's audit log: the last entry of the page before. */
export interface AuditCursor {
  atMs: number;
  eventId: string;
}

/** Ledger entries of the given days, each event once. */
const ledgerEntries = (columns: string, where?: string) =>
  `(SELECT event_id, ${columns} FROM ledger_entries ${where ? `WHERE ${where}` : ''} LIMIT 1 BY event_id)`;

/** Fees, rewards, management earnings and payouts of every day in the range, days without entries included. */
export async function earningsByDay(store: AnalyticsStore, range: DayRange): Promise<DayEarnings[]> {
  const rows = await store.query<{ business_day: string; fees: number; rewards: number; payouts: number }>(
    `SELECT business_day, sumIf(amount, kind = 'debit') AS fees, sumIf(amount, kind = 'credit') AS rewards,
       sumIf(amount, kind = 'payout') AS payouts
     FROM ${ledgerEntries('business_day, kind, amount', 'business_day >= {from:Date} AND business_day <= {to:Date}')}
     GROUP BY business_day ORDER BY business_day`,
    { from: range.from, to: range.to },
  );
  const byDay = new Map(rows.map((row) => [row.business_day, row]));
  return daysBetween(range.from, range.to).map((businessDay) => {
    const { fees = 0, rewards = 0, payouts = 0 } = byDay.get(businessDay) ?? {};
    return {
      businessDay,
      feesCents: fees,
      rewardsCents: rewards,
      managementEarningsCents: fees - rewards,
      payoutsCents: payouts,
    };
  });
}

/** A business day's earnings, and how many employees owe the company now (their balance, all time, below zero). */
export async function summary(store: AnalyticsStore, businessDay: string): Promise<Summary> {
  const [earnings] = await earningsByDay(store, { from: businessDay, to: businessDay });
  const [negative] = await store.query<{ n: number }>(
    `SELECT count() AS n FROM (
       SELECT employee_id, sum(if(kind = 'credit', amount, -amount)) AS balance
       FROM ${ledgerEntries('employee_id, kind, amount')}
       GROUP BY employee_id
     ) WHERE balance < 0`,
  );
  if (!earnings) throw new Error(`no earnings row for ${businessDay}`);
  return { ...earnings, employeesInNegative: negative?.n ?? 0 };
}

/**
 * The `limit` tasks with the highest completion reward among those completed in the range of
 * business days (in `timeZone`); ties go to the earlier completion, then the task id.
 */
export async function topTasks(
  store: AnalyticsStore,
  range: DayRange,
  timeZone: string,
  limit: number,
): Promise<TopTask[]> {
  const completions = await rankedCompletions(store, range, timeZone, limit);
  const tasks = await taskDetails(
    store,
    completions.map((c) => c.task_id),
  );
  const names = await employeeDetails(
    store,
    completions.map((c) => c.employee_id),
  );
  return completions.map((c, i) => {
    const task = tasks.get(c.task_id);
    return {
      rank: i + 1,
      taskId: c.task_id,
      jiraId: task?.jira_id ?? null,
      title: task?.title ?? '(no task details received yet)',
      description: task?.description ?? null,
      rewardCents: c.reward,
      completedAt: iso(c.completed_at_ms),
      completedById: c.employee_id,
      completedByName: names.get(c.employee_id)?.full_name ?? null,
    };
  });
}

type Completion = { task_id: string; employee_id: string; reward: number; completed_at_ms: number };

/**
 * The first `limit` distinct tasks in ranking order. The table is sorted that way, so the engine
 * reads the key's first rows and stops; `LIMIT 1 BY` would make it read the whole period. A
 * redelivered completion is an identical row right after the first, so the first `rows` hold
 * the answer unless copies crowd it out, when a longer prefix is read.
 */
async function rankedCompletions(
  store: AnalyticsStore,
  range: DayRange,
  timeZone: string,
  limit: number,
): Promise<Completion[]> {
  const params = { from: `${range.from} 00:00:00`, until: `${addDays(range.to, 1)} 00:00:00`, tz: timeZone };
  for (let rows = 2 * Math.trunc(limit); ; rows *= 4) {
    const prefix = await store.query<Completion>(
      `SELECT task_id, employee_id, reward, completed_at_ms FROM task_completions
       WHERE completed_at_ms >= toUnixTimestamp(toDateTime({from:String}, {tz:String})) * 1000
         AND completed_at_ms < toUnixTimestamp(toDateTime({until:String}, {tz:String})) * 1000
       ORDER BY negate(reward), completed_at_ms, task_id LIMIT ${rows}`,
      params,
    );
    const distinct = prefix.filter((row, i) => row.task_id !== prefix[i - 1]?.task_id);
    if (distinct.length >= limit || prefix.length < rows) return distinct.slice(0, limit);
  }
}

/** One page of a business day's debits, credits and payouts, oldest first; `limit + 1` rows tell whether more follow. */
export async function auditLog(
  store: AnalyticsStore,
  businessDay: string,
  page: { limit: number; after?: AuditCursor },
): Promise<{ items: AuditEntry[]; next: AuditCursor | null }> {
  // Ties in time go by the event id as text: the engines order UUIDs by their second half first.
  const after = page.after
    ? 'AND (at_ms > {at:Int64} OR (at_ms = {at:Int64} AND toString(event_id) > {id:String}))'
    : '';
  const rows = await store.query<LedgerRow>(
    `SELECT event_id, kind, transaction_id, task_id, employee_id, amount, at_ms FROM ledger_entries
     WHERE business_day = {day:Date} ${after}
     ORDER BY at_ms, toString(event_id) LIMIT 1 BY event_id LIMIT ${Math.trunc(page.limit) + 1}`,
    { day: businessDay, ...(page.after ? { at: page.after.atMs, id: page.after.eventId } : {}) },
  );
  const shown = rows.slice(0, page.limit);
  const tasks = await taskDetails(
    store,
    shown.flatMap((row) => (row.task_id ? [row.task_id] : [])),
  );
  const names = await employeeDetails(
    store,
    shown.map((row) => row.employee_id),
  );
  const items = shown.map((row): AuditEntry => {
    const task = row.task_id ? tasks.get(row.task_id) : undefined;
    return {
      eventId: row.event_id,
      transactionId: row.transaction_id,
      kind: AUDIT_KIND[row.kind],
      employeeId: row.employee_id,
      fullName: names.get(row.employee_id)?.full_name ?? null,
      amountCents: row.kind === 'credit' ? row.amount : -row.amount,
      at: iso(row.at_ms),
      taskId: row.task_id,
      jiraId: task?.jira_id ?? null,
      title: task?.title ?? null,
      description: task?.description ?? null,
    };
  });
  const last = shown.at(-1);
  return { items, next: rows.length > page.limit && last ? { atMs: last.at_ms, eventId: last.event_id } : null };
}

/** The payouts made at the close of a business day, largest first. */
export async function payoutsOf(store: AnalyticsStore, businessDay: string): Promise<Payout[]> {
  const rows = await store.query<LedgerRow>(
    `SELECT event_id, transaction_id, employee_id, amount, at_ms
     FROM ${ledgerEntries('transaction_id, employee_id, amount, at_ms', "business_day = {day:Date} AND kind = 'payout'")}
     ORDER BY amount DESC, employee_id`,
    { day: businessDay },
  );
  const names = await employeeDetails(
    store,
    rows.map((row) => row.employee_id),
  );
  return rows.map((row) => ({
    transactionId: row.transaction_id,
    employeeId: row.employee_id,
    fullName: names.get(row.employee_id)?.full_name ?? null,
    email: names.get(row.employee_id)?.email ?? null,
    amountCents: row.amount,
    paidAt: iso(row.at_ms),
  }));
}

/**
 * The business day in progress, by the ledger's rule: today in `timeZone`, or tomorrow once today
 * has been closed early (a BusinessDayClosed event says so). No day after today is ever closed.
 */
export async function dayInProgress(store: AnalyticsStore, timeZone: string): Promise<string> {
  // Over no closed day, max() is the zero date, which greatest() passes over.
  const [row] = await store.query<{ day: string }>(
    'SELECT greatest(max(business_day) + 1, {today:Date}) AS day FROM closed_days',
    { today: today(timeZone) },
  );
  if (!row) throw new Error('the closed days query returned no row');
  return row.day;
}

/** The latest business day with payouts (the last close that paid anyone), or null. */
export async function lastPayoutDay(store: AnalyticsStore): Promise<string | null> {
  // count() first: max() over no rows is the zero date, printed differently by each engine.
  const [row] = await store.query<{ n: number; day: string }>(
    "SELECT count() AS n, max(business_day) AS day FROM ledger_entries WHERE kind = 'payout'",
  );
  return row?.n ? row.day : null;
}

interface LedgerRow {
  event_id: string;
  kind: EntryKind;
  transaction_id: string;
  task_id: string | null;
  employee_id: string;
  amount: number;
  at_ms: number;
}

type TaskRow = { task_id: string; title: string; jira_id: string | null; description: string | null };
type EmployeeRow = { employee_id: string; full_name: string; email: string };

/** The newest details of the given tasks; `IN (subquery)` lets the engine use the table's key. */
async function taskDetails(store: AnalyticsStore, ids: string[]): Promise<Map<string, TaskRow>> {
  if (ids.length === 0) return new Map();
  const rows = await store.query<TaskRow>(
    `SELECT task_id, argMax(title, version) AS title, argMax(jira_id, version) AS jira_id,
       argMax(description, version) AS description
     FROM tasks WHERE task_id IN (SELECT arrayJoin({ids:Array(String)}) AS id) GROUP BY task_id`,
    { ids: [...new Set(ids)] },
  );
  return new Map(rows.map((row) => [row.task_id, row]));
}

async function employeeDetails(store: AnalyticsStore, ids: string[]): Promise<Map<string, EmployeeRow>> {
  if (ids.length === 0) return new Map();
  const rows = await store.query<EmployeeRow>(
    `SELECT employee_id, argMax(full_name, version) AS full_name, argMax(email, version) AS email
     FROM employees WHERE employee_id IN (SELECT arrayJoin({ids:Array(String)}) AS id) GROUP BY employee_id`,
    { ids: [...new Set(ids)] },
  );
  return new Map(rows.map((row) => [row.employee_id, row]));
}

const iso = (ms: number) => new Date(ms).toISOString();
