import { type Database, type Executor, isoTimeSql } from '@ates/db';
import { ledgerCalendar, lockLedger, previousCalendarDay } from '@ates/db/accounting';
import type { EventBus, NewEvent } from '@ates/db/bus';
import { sql } from 'drizzle-orm';

export const CLOSE_DAY_QUEUE = 'accounting.close-day';
/** A minute past midnight in ATES_TIMEZONE: the day that just ended is closed. */
const NIGHTLY = '1 0 * * *';

/**
 * The nightly close on a pg-boss schedule. Whichever process runs the job closes the calendar day
 * before the one it runs in (and with it any earlier day still open); a day already closed on
 * demand is left as it is. A run missed while no worker was up is sent once when one starts.
 */
export async function scheduleNightlyClose(db: Database, bus: EventBus, timeZone: string): Promise<void> {
  const { boss } = bus;
  if (!(await boss.getQueue(CLOSE_DAY_QUEUE))) {
    await boss.createQueue(CLOSE_DAY_QUEUE, { retryLimit: 10, retryDelay: 30, retryBackoff: true, retryDelayMax: 600 });
  }
  await boss.schedule(CLOSE_DAY_QUEUE, NIGHTLY, null, { tz: timeZone, missed: 'once' });
  await boss.work(CLOSE_DAY_QUEUE, async () => {
    await closeBusinessDay(db, bus, {
      date: previousCalendarDay(new Date(), timeZone),
      timeZone,
      closedBy: 'schedule',
    });
  });
}

export interface CloseDayOptions {
  /** The business day to close; without it, today in `timeZone`. */
  date?: string;
  timeZone: string;
  /** The employee who asked, or `schedule`. */
  closedBy: string;
}

export interface ClosedDay {
  businessDay: string;
  closedAt: string;
  closedBy: string;
  /** True when the day was closed before this call: nothing was paid by it. */
  alreadyClosed: boolean;
  payoutCount: number;
  payoutTotal: number;
  /** The day postings belong to after this call: today, or tomorrow once today is closed. */
  dayInProgress: string;
}

export class BusinessDayNotBegunError extends Error {
  constructor(day: string, today: string) {
    super(`Business day ${day} has not begun: today is ${today}, and no later day can be closed.`);
    this.name = 'BusinessDayNotBegunError';
  }
}

/**
 * Closes a business day: every employee whose balance up to the end of that day is positive is
 * paid exactly that (a payout transaction, the balance back to what later days hold, a PayoutMade
 * event); a negative balance carries over. One transaction under the ledger lock: two closes at
 * once run one after the other, a crash leaves nothing behind, and closing a closed day (or one a
 * later close already covered) pays nothing. Closing a day closes every earlier open day with it.
 * No day after today is ever closed: without a date, the close is of today, so asking again the
 * same day answers "already closed" instead of closing tomorrow, and the calendar never runs ahead.
 */
export async function closeBusinessDay(db: Database, bus: EventBus, options: CloseDayOptions): Promise<ClosedDay> {
  return db.transaction(async (tx) => {
    await lockLedger(tx);
    const { today, lastClosed } = await ledgerCalendar(tx, options.timeZone);
    const day = options.date ?? today;
    if (day > today) throw new BusinessDayNotBegunError(day, today);
    const closed =
      lastClosed !== null && day <= lastClosed ? await closedBefore(tx, day) : await close(tx, bus, day, options);
    return { ...closed, dayInProgress: (await ledgerCalendar(tx, options.timeZone)).dayInProgress };
  });
}

async function close(
  tx: Executor,
  bus: EventBus,
  day: string,
  options: CloseDayOptions,
): Promise<Omit<ClosedDay, 'dayInProgress'>> {
  const closedAt = new Date().toISOString();
  await tx.execute(sql`set local work_mem = '64MB'`);
  const paid = await payOut(tx, day, closedAt);
  const payoutTotal = paid.reduce((total, payout) => total + payout.amount, 0);
  await tx.execute(sql`
    insert into accounting.closed_days (business_day, closed_at, closed_by, payout_count, payout_total)
    values (${day}, ${closedAt}, ${options.closedBy}, ${paid.length}, ${payoutTotal})`);
  const closed = {
    businessDay: day,
    closedAt,
    closedBy: options.closedBy,
    alreadyClosed: false,
    payoutCount: paid.length,
    payoutTotal,
  };
  await bus.publish(tx, 'accounting', [
    ...paid.map((payout) => payoutMade(payout, day, closedAt)),
    businessDayClosed(closed),
  ]);
  return closed;
}

interface Payout {
  transaction_id: string;
  employee_id: string;
  amount: number;
}

/**
 * One statement for every employee: what an account holds up to the end of `day` is its balance
 * less the entries of later days (postings made after an early close), so no history is summed.
 */
async function payOut(tx: Executor, day: string, closedAt: string): Promise<Payout[]> {
  const rows = await tx.execute<{ transaction_id: string; employee_id: string; amount: string | number }>(sql`
    with due as materialized (
      select gen_random_uuid() as transaction_id, a.id as account_id, a.employee_id,
             a.balance - coalesce(later.amount, 0) as amount
      from accounting.accounts a
      left join (
        select account_id, sum(amount) as amount from accounting.entries
        where business_day > ${day}::date group by account_id
      ) later on later.account_id = a.id
      where a.kind = 'employee' and a.balance - coalesce(later.amount, 0) > 0
    ), posted as (
      insert into accounting.transactions (id, kind, employee_id, business_day, occurred_at, posted_at)
      select transaction_id, 'payout', employee_id, ${day}::date, ${closedAt}::timestamptz, ${closedAt}::timestamptz
      from due
    ), legs as (
      insert into accounting.entries (transaction_id, account_id, amount, business_day)
      select transaction_id, account_id, -amount, ${day}::date from due
      union all
      select transaction_id, (select id from accounting.accounts where kind = 'payouts'), amount, ${day}::date from due
    )
    select transaction_id, employee_id, amount from due`);
  return rows.map((row) => ({ ...row, amount: Number(row.amount) }));
}

async function closedBefore(tx: Executor, day: string): Promise<Omit<ClosedDay, 'dayInProgress'>> {
  const [row] = await tx.execute<{
    business_day: string;
    closed_at: string;
    closed_by: string;
    payout_count: number;
    payout_total: string | number;
  }>(sql`
    select business_day::text, ${isoTimeSql('closed_at')} as closed_at,
           closed_by, payout_count, payout_total
    from accounting.closed_days where business_day >= ${day} order by business_day limit 1`);
  if (!row) throw new Error(`no closed day covers ${day}`);
  const exact = row.business_day === day;
  return {
    businessDay: day,
    closedAt: row.closed_at,
    closedBy: row.closed_by,
    alreadyClosed: true,
    payoutCount: exact ? row.payout_count : 0,
    payoutTotal: exact ? Number(row.payout_total) : 0,
  };
}

function payoutMade(payout: Payout, day: string, closedAt: string): NewEvent {
  return {
    name: 'PayoutMade',
    data: {
      transaction_id: payout.transaction_id,
      task_id: null,
      employee_id: payout.employee_id,
      amount: payout.amount,
      at: closedAt,
      business_day: day,
    },
  };
}

/** Tells the read sides which day is over, even when it paid nobody. */
function businessDayClosed(closed: Omit<ClosedDay, 'dayInProgress' | 'alreadyClosed'>): NewEvent {
  return {
    name: 'BusinessDayClosed',
    data: {
      business_day: closed.businessDay,
      closed_at: closed.closedAt,
      closed_by: closed.closedBy,
      payout_count: closed.payoutCount,
      payout_total: closed.payoutTotal,
    },
  };
}
