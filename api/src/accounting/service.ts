import { businessTimeZone, type Database, isoTimeSql } from '@ates/db';
import { addDays, ledgerCalendar } from '@ates/db/accounting';
import type { EventBus, Role } from '@ates/db/bus';
import { BusinessDayNotBegunError, closeBusinessDay } from '@ates/jobs/accounting';
import { type SQL, sql } from 'drizzle-orm';
import type { CurrentEmployee } from '../http/env.ts';
import { badRequest, conflict, notFound } from '../http/problem.ts';
import type {
  Account,
  AccountList,
  AccountsInput,
  AuditInput,
  AuditLog,
  BusinessDay,
  ClosedDay,
  Earnings,
  EarningsInput,
  PayoutList,
  PayoutsInput,
} from './schemas.ts';

export interface AccountingDeps {
  db: Database;
  bus: EventBus;
}

/** Admins and accountants see every account, the company's earnings and every payout. */
export const SEES_EVERYONE: Role[] = ['admin', 'accountant'];
const MAX_EARNINGS_DAYS = 366;

const houseAccount = (kind: 'company' | 'payouts') =>
  sql.raw(`(select id from accounting.accounts where kind = '${kind}')`);

/**
 * The id of the employee asked about, by id, email or `me`, if the caller may see them: anyone
 * else gets a 404 that does not tell whether they exist.
 */
async function visibleEmployee(db: Database, caller: CurrentEmployee, asked: string): Promise<string> {
  const id =
    asked === 'me' || asked === caller.email ? caller.id : asked.includes('@') ? await byEmail(db, asked) : asked;
  if (id !== caller.id && !SEES_EVERYONE.includes(caller.role)) throw notFound(`No account ${asked} that you can see.`);
  return id;
}

async function byEmail(db: Database, email: string): Promise<string> {
  const [row] = await db.execute<{ employee_id: string }>(
    sql`select employee_id from accounting.employees where lower(email) = lower(${email})`,
  );
  return row?.employee_id ?? email;
}

export async function getAccount(db: Database, caller: CurrentEmployee, asked: string): Promise<Account> {
  const employeeId = await visibleEmployee(db, caller, asked);
  const { dayInProgress } = await ledgerCalendar(db, businessTimeZone());
  const [row] = await db.execute<{ full_name: string | null; email: string | null; balance: string }>(sql`
    select e.full_name, e.email, a.balance from accounting.accounts a
    left join accounting.employees e on e.employee_id = a.employee_id
    where a.employee_id = ${employeeId}`);
  if (row) {
    const { full_name: fullName, email, balance } = row;
    return { employeeId, fullName, email, balanceCents: Number(balance), businessDay: dayInProgress };
  }
  if (employeeId !== caller.id) throw notFound(`No account ${asked} that you can see.`);
  const { fullName, email } = caller;
  return { employeeId, fullName, email, balanceCents: 0, businessDay: dayInProgress };
}

/**
 * Every employee's balance, by name or balance, keyset-paged on (sort key, employee id), with
 * the totals of every account the filter keeps. Names are accounting's local copy: an account
 * whose employee accounting has not heard of yet sorts by an empty name.
 */
export async function listAccounts(db: Database, query: AccountsInput): Promise<AccountList> {
  const { dayInProgress } = await ledgerCalendar(db, businessTimeZone());
  const key = query.sort === 'name' ? sql`coalesce(e.full_name, '')` : sql`a.balance`;
  const direction = sql.raw(query.order);
  const filters: SQL[] = [sql`a.kind = 'employee'`];
  if (query.balance === 'negative') filters.push(sql`a.balance < 0`);
  if (query.balance === 'positive') filters.push(sql`a.balance > 0`);
  const page = [...filters];
  if (query.cursor) {
    const [value, id] = accountCursor(query.cursor, query.sort);
    const after = query.order === 'asc' ? sql`>` : sql`<`;
    page.push(sql`(${key}, a.employee_id) ${after} (${query.sort === 'name' ? value : sql`${value}::bigint`}, ${id})`);
  }
  const from = sql`from accounting.accounts a left join accounting.employees e on e.employee_id = a.employee_id`;
  const rows = await db.execute<{
    employee_id: string;
    full_name: string | null;
    email: string | null;
    balance: string;
  }>(
    sql`select a.employee_id, e.full_name, e.email, a.balance ${from} where ${sql.join(page, sql` and `)}
        order by ${key} ${direction}, a.employee_id ${direction} limit ${query.limit + 1}`,
  );
  const [totals] = await db.execute<{ count: number; positive: string; negative: string }>(sql`
    select count(*)::int as count, coalesce(sum(a.balance) filter (where a.balance > 0), 0) as positive,
           coalesce(sum(a.balance) filter (where a.balance < 0), 0) as negative
    ${from} where ${sql.join(filters, sql` and `)}`);
  const items = rows.slice(0, query.limit).map((row) => ({
    employeeId: row.employee_id,
    fullName: row.full_name,
    email: row.email,
    balanceCents: Number(row.balance),
    businessDay: dayInProgress,
  }));
  const last = items.at(-1);
  const lastKey = query.sort === 'name' ? (last?.fullName ?? '') : String(last?.balanceCents);
  return {
    items,
    nextCursor: rows.length > query.limit && last ? encodeCursor([lastKey, last.employeeId]) : null,
    totals: {
      count: totals?.count ?? 0,
      positiveCents: Number(totals?.positive ?? 0),
      negativeCents: Number(totals?.negative ?? 0),
    },
  };
}

const encodeCursor = (key: [string, string]) => Buffer.from(JSON.stringify(key)).toString('base64url');

function accountCursor(cursor: string, sort: AccountsInput['sort']): [string, string] {
  try {
    const [value, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const valid =
      typeof value === 'string' && typeof id === 'string' && (sort === 'name' || /^-?\d{1,18}$/.test(value));
    if (valid && !`${value}${id}`.includes('\u0000')) return [value, id];
  } catch {}
  throw badRequest('cursor: not one this API gave out for this sort; start again without it.');
}

/** Every debit, credit and payout of an account, oldest first, with the task it was for. */
export async function auditLog(
  db: Database,
  caller: CurrentEmployee,
  asked: string,
  query: AuditInput,
): Promise<AuditLog> {
  const employeeId = await visibleEmployee(db, caller, asked);
  const conditions: SQL[] = [sql`a.employee_id = ${employeeId}`];
  const from = query.date ?? query.from;
  const to = query.date ?? query.to;
  if (from) conditions.push(sql`e.business_day >= ${from}`);
  if (to) conditions.push(sql`e.business_day <= ${to}`);
  if (query.cursor) conditions.push(sql`e.id > ${query.cursor}`);
  const rows = await db.execute<AuditRow>(sql`
    select e.id::text as "entryId", t.id as "transactionId", t.kind, e.amount as "amountCents",
           ${isoTimeSql('t.occurred_at')} as at, e.business_day::text as "businessDay",
           t.task_id as "taskId", k.jira_id as "jiraId", k.title, k.description
    from accounting.entries e
    join accounting.accounts a on a.id = e.account_id
    join accounting.transactions t on t.id = e.transaction_id
    left join accounting.tasks k on k.task_id = t.task_id
    where ${sql.join(conditions, sql` and `)}
    order by e.id limit ${query.limit + 1}`);
  const items = rows.slice(0, query.limit).map((row) => ({ ...row, amountCents: Number(row.amountCents) }));
  return { items, nextCursor: rows.length > query.limit ? (items.at(-1)?.entryId ?? null) : null };
}

type AuditRow = Omit<AuditLog['items'][number], 'amountCents'> & { amountCents: string | number };

/** The company's fees, rewards and net per business day, every day of the range, oldest first. */
export async function earnings(db: Database, query: EarningsInput): Promise<Earnings> {
  const to = query.to ?? (await ledgerCalendar(db, businessTimeZone())).dayInProgress;
  const from = query.from ?? addDays(to, -6);
  if (from > to) throw badRequest(`from (${from}) must not be after to (${to}).`);
  if (from < addDays(to, -(MAX_EARNINGS_DAYS - 1))) {
    throw badRequest(`Ask for at most ${MAX_EARNINGS_DAYS} days at a time.`);
  }
  const rows = await db.execute<{ business_day: string; fees: string; rewards: string }>(sql`
    select d::date::text as business_day,
           coalesce(sum(e.amount) filter (where e.amount > 0), 0) as fees,
           coalesce(-sum(e.amount) filter (where e.amount < 0), 0) as rewards
    from generate_series(${from}::date, ${to}::date, interval '1 day') d
    left join accounting.entries e on e.account_id = ${houseAccount('company')} and e.business_day = d::date
    group by d order by d`);
  const items = rows.map((row) => {
    const feesCents = Number(row.fees);
    const rewardsCents = Number(row.rewards);
    return { businessDay: row.business_day, feesCents, rewardsCents, earningsCents: feesCents - rewardsCents };
  });
  return { items, totalEarningsCents: items.reduce((sum, day) => sum + day.earningsCents, 0), nextCursor: null };
}

/** Closes a business day in this process: the API needs no worker to pay out. */
export async function closeDay(deps: AccountingDeps, caller: CurrentEmployee, date?: string): Promise<ClosedDay> {
  try {
    const { payoutTotal, ...closed } = await closeBusinessDay(deps.db, deps.bus, {
      date,
      timeZone: businessTimeZone(),
      closedBy: caller.id,
    });
    return { ...closed, payoutTotalCents: payoutTotal };
  } catch (error) {
    if (error instanceof BusinessDayNotBegunError) throw conflict(error.message);
    throw error;
  }
}

/** Where a business day stands, its payouts and how many of their emails are out. */
export async function getBusinessDay(db: Database, day: string): Promise<BusinessDay> {
  const { dayInProgress, lastClosed } = await ledgerCalendar(db, businessTimeZone());
  const [closing] = await db.execute<{ closed_at: string; closed_by: string }>(sql`
    select ${isoTimeSql('closed_at')} as closed_at, closed_by from accounting.closed_days
    where business_day >= ${day} order by business_day limit 1`);
  const [paid] = await db.execute<{ count: number; total: string; mailed: number }>(sql`
    select count(*)::int as count, coalesce(sum(e.amount), 0) as total, count(m.transaction_id)::int as mailed
    from accounting.entries e left join accounting.payout_mails m on m.transaction_id = e.transaction_id
    where e.account_id = ${houseAccount('payouts')} and e.business_day = ${day}`);
  const closed = lastClosed !== null && day <= lastClosed;
  return {
    businessDay: day,
    status: closed ? 'closed' : day > dayInProgress ? 'not begun' : 'open',
    dayInProgress,
    closedAt: closed ? (closing?.closed_at ?? null) : null,
    closedBy: closed ? (closing?.closed_by ?? null) : null,
    payoutCount: paid?.count ?? 0,
    payoutTotalCents: Number(paid?.total ?? 0),
    mailsSent: paid?.mailed ?? 0,
  };
}

/** The payouts of a business day (the last closed one by default); workers and managers see their own. */
export async function listPayouts(db: Database, caller: CurrentEmployee, query: PayoutsInput): Promise<PayoutList> {
  const day = query.date ?? (await ledgerCalendar(db, businessTimeZone())).lastClosed;
  if (day === null) return { businessDay: null, items: [], nextCursor: null };
  const conditions: SQL[] = [sql`t.kind = 'payout'`, sql`t.business_day = ${day}`];
  if (!SEES_EVERYONE.includes(caller.role)) conditions.push(sql`t.employee_id = ${caller.id}`);
  if (query.cursor) conditions.push(sql`t.employee_id > ${query.cursor}`);
  const rows = await db.execute<PayoutRow>(sql`
    select t.id as "transactionId", t.employee_id as "employeeId", p.full_name as "fullName", p.email,
           e.amount as "amountCents", t.business_day::text as "businessDay", ${isoTimeSql('t.occurred_at')} as "paidAt",
           ${isoTimeSql('m.sent_at')} as "sentAt", m.location
    from accounting.transactions t
    join accounting.entries e
      on e.account_id = ${houseAccount('payouts')} and e.business_day = t.business_day and e.transaction_id = t.id
    left join accounting.employees p on p.employee_id = t.employee_id
    left join accounting.payout_mails m on m.transaction_id = t.id
    where ${sql.join(conditions, sql` and `)}
    order by t.employee_id limit ${query.limit + 1}`);
  const items = rows.slice(0, query.limit).map(({ sentAt, location, amountCents, ...payout }) => ({
    ...payout,
    amountCents: Number(amountCents),
    mail: sentAt && location ? { sentAt, location } : null,
  }));
  return { businessDay: day, items, nextCursor: rows.length > query.limit ? (items.at(-1)?.employeeId ?? null) : null };
}

type PayoutRow = Omit<PayoutList['items'][number], 'mail' | 'amountCents'> & {
  amountCents: string | number;
  sentAt: string | null;
  location: string | null;
};
