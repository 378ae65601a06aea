import { randomUUID } from 'node:crypto';
import { ADVISORY_LOCKS } from '@ates/db';
import { addDays, calendarDay, ledgerCalendar, lockLedger } from '@ates/db/accounting';
import { until } from '@ates/db/testing';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BusinessDayNotBegunError,
  CLOSE_DAY_QUEUE,
  closeBusinessDay,
  scheduleNightlyClose,
} from '../../src/accounting/close-day.ts';
import {
  assigned,
  balanceOf,
  completed,
  employeeCreated,
  houseBalance,
  type Ledger,
  published,
  startLedger,
  TIME_ZONE,
} from './support.ts';

/** Each test of a close gets a ledger of its own: only one day, today, can be closed on it. */
let ledger: Ledger;

const close = (date?: string, timeZone = TIME_ZONE) =>
  closeBusinessDay(ledger.conn.db, ledger.bus, { date, timeZone, closedBy: 'test' });

/** Gives a new employee a balance: a fee, and a reward if `reward` is set. */
async function employeeWith(fee: number, reward?: number): Promise<string> {
  const popug = randomUUID();
  const task = randomUUID();
  await ledger.publish([
    employeeCreated(popug),
    assigned(task, popug, fee),
    ...(reward ? [completed(task, popug, reward)] : []),
  ]);
  await ledger.settle();
  return popug;
}

async function payoutsOf(employeeId: string) {
  return ledger.conn.db.execute<{ business_day: string; amount: number }>(sql`
    select t.business_day::text, e.amount::int from accounting.transactions t
    join accounting.entries e on e.transaction_id = t.id
    join accounting.accounts a on a.id = e.account_id and a.employee_id = ${employeeId}
    where t.kind = 'payout' order by t.business_day`);
}

async function dayInProgress(): Promise<string> {
  return (await ledgerCalendar(ledger.conn.db, TIME_ZONE)).dayInProgress;
}

describe('closing the business day', () => {
  beforeEach(async () => {
    ledger = await startLedger();
  });

  afterEach(async () => {
    await ledger.stop();
  });

  it('pays each positive balance, carries each negative one, and publishes PayoutMade', async () => {
    const earner = await employeeWith(1000, 3500);
    const debtor = await employeeWith(1500);
    const payoutsBefore = await houseBalance(ledger, 'payouts');
    const day = await dayInProgress();

    const closed = await close();

    expect(closed).toMatchObject({ businessDay: day, alreadyClosed: false });
    expect(await balanceOf(ledger, earner)).toBe(0);
    expect(await balanceOf(ledger, debtor)).toBe(-1500);
    expect(await payoutsOf(earner)).toEqual([{ business_day: day, amount: -2500 }]);
    expect(await payoutsOf(debtor)).toEqual([]);
    expect(await houseBalance(ledger, 'payouts')).toBe(payoutsBefore + closed.payoutTotal);
    const events = (await published(ledger, 'PayoutMade')).filter((e) => e.employee_id === earner);
    expect(events).toEqual([expect.objectContaining({ amount: 2500, business_day: day, task_id: null })]);
    expect(await dayInProgress()).toBe(addDays(day, 1));
  });

  it('pays nothing twice when the same day is closed again', async () => {
    const day = await dayInProgress();
    const earner = await employeeWith(1000, 2000);
    const first = await close(day);
    const again = await close(day);
    expect(first).toMatchObject({ businessDay: day, alreadyClosed: false });
    expect(again).toMatchObject({
      businessDay: day,
      alreadyClosed: true,
      payoutCount: first.payoutCount,
      payoutTotal: first.payoutTotal,
      closedAt: first.closedAt,
    });
    expect(await payoutsOf(earner)).toEqual([{ business_day: day, amount: -1000 }]);
  });

  it('pays once when closes of the same day run at the same time', async () => {
    const earner = await employeeWith(1000, 4000);
    const day = await dayInProgress();
    const results = await Promise.all([close(day), close(day), close(day)]);
    expect(results.filter((r) => !r.alreadyClosed)).toHaveLength(1);
    expect(await payoutsOf(earner)).toEqual([{ business_day: day, amount: -3000 }]);
  });

  it('closes today once when two people ask for it with no date at the same moment', async () => {
    const day = await dayInProgress();
    let release = () => {};
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holding = ledger.conn.db.transaction(async (tx) => {
      await lockLedger(tx);
      locked();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await isLocked;
    const closes = Promise.all([close(), close()]);
    try {
      await until(async () => {
        const [row] = await ledger.conn.db.execute<{ waiting: number }>(
          sql`select count(*)::int as waiting from pg_locks l join pg_database d on d.oid = l.database
              where d.datname = current_database() and l.locktype = 'advisory' and not l.granted
              and l.objid = ${ADVISORY_LOCKS.ledger} and l.objsubid = 1`,
        );
        return row?.waiting === 2;
      });
    } finally {
      release();
      await holding;
    }
    const results = await closes;
    expect(results.map((r) => r.businessDay)).toEqual([day, day]);
    expect(results.filter((r) => !r.alreadyClosed)).toHaveLength(1);
    expect(await dayInProgress()).toBe(addDays(day, 1));
  });

  it('closes today when asked with no date, and answers "already closed" however often it is asked again', async () => {
    const earner = await employeeWith(1000, 3000);
    const first = await close();
    const again = [await close(), await close()];
    expect(first).toMatchObject({ businessDay: calendarDay(new Date(), TIME_ZONE), alreadyClosed: false });
    for (const repeat of again) {
      expect(repeat).toEqual({ ...first, alreadyClosed: true });
    }
    expect(first.dayInProgress).toBe(addDays(first.businessDay, 1));
    expect(await payoutsOf(earner)).toEqual([{ business_day: first.businessDay, amount: -2000 }]);
    const [closedDays] = await ledger.conn.db.execute<{ n: number }>(
      sql`select count(*)::int as n from accounting.closed_days`,
    );
    expect(closedDays?.n).toBe(1);
  });

  it('refuses to close a day that has not begun, even once today is closed', async () => {
    const today = await dayInProgress();
    await expect(close(addDays(today, 1))).rejects.toBeInstanceOf(BusinessDayNotBegunError);
    await close();
    expect(await dayInProgress()).toBe(addDays(today, 1));
    await expect(close(addDays(today, 1))).rejects.toBeInstanceOf(BusinessDayNotBegunError);
    await expect(close(addDays(today, 2))).rejects.toBeInstanceOf(BusinessDayNotBegunError);
    expect(await dayInProgress()).toBe(addDays(today, 1));
  });

  it('publishes BusinessDayClosed once per day closed, even when it pays nobody', async () => {
    const first = await close();
    await close();
    const events = await published(ledger, 'BusinessDayClosed');
    expect(events).toEqual([
      {
        business_day: first.businessDay,
        closed_at: first.closedAt,
        closed_by: 'test',
        payout_count: 0,
        payout_total: 0,
      },
    ]);
  });

  it('leaves no trace when it fails half-way, and pays in full when run again', async () => {
    const earner = await employeeWith(1000, 2600);
    const day = await dayInProgress();
    const eventsBefore = (await published(ledger, 'PayoutMade')).length;
    await ledger.conn.db.execute(
      sql.raw(`
      create function crash_the_close() returns trigger language plpgsql as $$
      begin raise exception 'power cut'; end $$;
      create trigger crash_after_payouts before insert on accounting.closed_days
        for each row execute function crash_the_close();`),
    );
    try {
      await expect(close()).rejects.toThrow();
    } finally {
      await ledger.conn.db.execute(
        sql.raw('drop trigger crash_after_payouts on accounting.closed_days; drop function crash_the_close();'),
      );
    }
    expect(await balanceOf(ledger, earner)).toBe(1600);
    expect(await payoutsOf(earner)).toEqual([]);
    expect(await dayInProgress()).toBe(day);
    expect(await published(ledger, 'PayoutMade')).toHaveLength(eventsBefore);

    await close();
    expect(await payoutsOf(earner)).toEqual([{ business_day: day, amount: -1600 }]);
    expect(await balanceOf(ledger, earner)).toBe(0);
  });
});

describe('closing a day after the next one has begun (the nightly close runs after midnight)', () => {
  it('pays what was owed at the end of the closed day and leaves what was posted since to the next', async () => {
    const fresh = await startLedger();
    try {
      const today = (await ledgerCalendar(fresh.conn.db, TIME_ZONE)).dayInProgress;
      const yesterday = addDays(today, -1);
      const [early, late] = [randomUUID(), randomUUID()];
      const [earlyTask, lateTask] = [randomUUID(), randomUUID()];
      await fresh.publish([
        employeeCreated(early),
        employeeCreated(late),
        assigned(earlyTask, early, 1000),
        completed(earlyTask, early, 3000),
        assigned(lateTask, late, 1000),
        completed(lateTask, late, 3500),
      ]);
      await fresh.settle();
      await postedYesterday(fresh, early, 1500, yesterday);

      const nightly = await closeBusinessDay(fresh.conn.db, fresh.bus, {
        date: yesterday,
        timeZone: TIME_ZONE,
        closedBy: 'schedule',
      });
      expect(nightly).toMatchObject({ businessDay: yesterday, payoutCount: 1, payoutTotal: 1500 });
      expect(await balanceOf(fresh, early)).toBe(2000);
      expect(await balanceOf(fresh, late)).toBe(2500);
      expect((await ledgerCalendar(fresh.conn.db, TIME_ZONE)).dayInProgress).toBe(today);

      const tonight = await closeBusinessDay(fresh.conn.db, fresh.bus, { timeZone: TIME_ZONE, closedBy: 'schedule' });
      expect(tonight).toMatchObject({ businessDay: today, payoutCount: 2, payoutTotal: 4500 });
    } finally {
      await fresh.stop();
    }
  });
});

describe('an early close', () => {
  // The business runs at UTC−12; Kiritimati (UTC+14) is always at least a day ahead of it, so a
  // close in Kiritimati's time zone stands for tomorrow's close without waiting for midnight.
  const BUSINESS = 'Etc/GMT+12';
  const TOMORROW_ALREADY = 'Pacific/Kiritimati';

  it('leaves what is posted after it to the next day, which pays it at its close', async () => {
    ledger = await startLedger({ timeZone: BUSINESS });
    try {
      const early = await employeeWith(1000, 2500);
      const today = await close(undefined, BUSINESS);
      expect(today.dayInProgress).toBe(addDays(today.businessDay, 1));
      const late = await employeeWith(1000, 2200);
      const [posting] = await ledger.conn.db.execute<{ business_day: string }>(sql`
        select business_day::text from accounting.transactions where employee_id = ${late} and kind = 'fee'`);
      expect(posting?.business_day).toBe(today.dayInProgress);
      expect(await balanceOf(ledger, late)).toBe(1200);
      expect(await close(undefined, BUSINESS)).toEqual({ ...today, alreadyClosed: true });
      expect(await payoutsOf(late)).toEqual([]);

      const tomorrow = await close(today.dayInProgress, TOMORROW_ALREADY);
      expect(tomorrow).toMatchObject({ businessDay: today.dayInProgress, alreadyClosed: false, payoutCount: 1 });
      expect(await payoutsOf(late)).toEqual([{ business_day: today.dayInProgress, amount: -1200 }]);
      expect(await payoutsOf(early)).toEqual([{ business_day: today.businessDay, amount: -1500 }]);
    } finally {
      await ledger.stop();
    }
  });
});

/** A reward posted yesterday, written straight into the ledger: the consumer only posts into today. */
async function postedYesterday(target: Ledger, employeeId: string, amount: number, day: string): Promise<void> {
  await target.conn.db.execute(sql`
    with t as (
      insert into accounting.transactions (kind, employee_id, task_id, source_event_id, business_day, occurred_at)
      values ('reward', ${employeeId}, ${randomUUID()}, ${randomUUID()}, ${day}, now() - interval '1 day')
      returning id
    )
    insert into accounting.entries (transaction_id, account_id, amount, business_day)
    select t.id, a.id, case a.kind when 'company' then -${amount}::bigint else ${amount}::bigint end, ${day}::date
    from t, accounting.accounts a where a.employee_id = ${employeeId} or a.kind = 'company'`);
}

describe('the nightly schedule', () => {
  it('is a pg-boss schedule in the business time zone that closes the day before the one it runs in', async () => {
    const fresh = await startLedger({ subscribe: false });
    try {
      await scheduleNightlyClose(fresh.conn.db, fresh.bus, 'Europe/Berlin');
      const [schedule] = await fresh.bus.boss.getSchedules(CLOSE_DAY_QUEUE);
      expect(schedule).toMatchObject({ cron: '1 0 * * *', timezone: 'Europe/Berlin' });

      await fresh.bus.boss.send(CLOSE_DAY_QUEUE, {});
      const closed = await until(async () => {
        const [row] = await fresh.conn.db.execute<{ business_day: string; closed_by: string }>(
          sql`select business_day::text, closed_by from accounting.closed_days`,
        );
        return row;
      });
      expect(closed).toEqual({
        business_day: addDays(calendarDay(new Date(), 'Europe/Berlin'), -1),
        closed_by: 'schedule',
      });
    } finally {
      await fresh.stop();
    }
  });
});

describe('the business day in ATES_TIMEZONE', () => {
  it('is today where the business runs, not in UTC', async () => {
    const fresh = await startLedger({ subscribe: false });
    try {
      for (const zone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Europe/Berlin']) {
        const { dayInProgress } = await ledgerCalendar(fresh.conn.db, zone);
        expect(dayInProgress).toBe(calendarDay(new Date(), zone));
      }
    } finally {
      await fresh.stop();
    }
  });
});
