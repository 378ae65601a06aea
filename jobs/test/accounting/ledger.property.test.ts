import { randomUUID } from 'node:crypto';
import { addDays, ledgerCalendar } from '@ates/db/accounting';
import type { NewEvent } from '@ates/db/bus';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BusinessDayNotBegunError, closeBusinessDay } from '../../src/accounting/close-day.ts';
import {
  assigned,
  completed,
  employeeCreated,
  type Ledger,
  redeliver,
  startLedger,
  TIME_ZONE,
  taskCreated,
  taskUpdated,
} from './support.ts';

/**
 * Random sequences of what the tasks context publishes (create, reassign, complete), closes of the
 * day (sometimes before the ledger caught up, sometimes two at once, and of tomorrow, which is
 * always refused) and deliveries sent again,
 * through the real bus and consumer. The database accumulates across runs, so the checks hold for
 * everything ever posted, not only for one run.
 */

const EMPLOYEES_PER_RUN = 4;
const dollars = (min: number, max: number) => fc.integer({ min, max }).map((d) => d * 100);

const step = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('create'),
      employee: fc.nat(),
      fee: dollars(10, 20),
      reward: dollars(20, 40),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('reassign'), seed: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('complete'), task: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('close'),
      day: fc.constantFrom('today', 'yesterday', 'tomorrow'),
      settleFirst: fc.boolean(),
      twice: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('redeliver'), publish: fc.nat() }) },
);
type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

interface Task {
  id: string;
  fee: number;
  reward: number;
  assignee: string;
  done: boolean;
}

/** What was published, across every run: the expected ledger. */
const expected = { fees: 0, rewards: 0, assignments: 0, completions: 0, net: new Map<string, number>() };

let ledger: Ledger;

beforeAll(async () => {
  ledger = await startLedger();
});

afterAll(async () => {
  await ledger.stop();
});

class Run {
  readonly employees = Array.from({ length: EMPLOYEES_PER_RUN }, () => randomUUID());
  readonly tasks: Task[] = [];
  readonly publishes: string[] = [];

  async publish(events: NewEvent[]): Promise<void> {
    const sent = await ledger.publish(events);
    this.publishes.push(sent[0]?.event_id ?? '');
    for (const event of events) {
      if (event.name === 'TaskAssigned') this.charge(event.data.employee_id, -event.data.amount, 'fee');
      if (event.name === 'TaskCompleted') this.charge(event.data.employee_id, event.data.amount, 'reward');
    }
  }

  private charge(employeeId: string, amount: number, kind: 'fee' | 'reward') {
    expected.net.set(employeeId, (expected.net.get(employeeId) ?? 0) + amount);
    if (kind === 'fee') {
      expected.fees -= amount;
      expected.assignments++;
    } else {
      expected.rewards += amount;
      expected.completions++;
    }
  }

  async apply(s: Step): Promise<void> {
    const open = this.tasks.filter((t) => !t.done);
    switch (s.kind) {
      case 'create': {
        const task = {
          id: randomUUID(),
          fee: s.fee,
          reward: s.reward,
          assignee: this.employee(s.employee),
          done: false,
        };
        this.tasks.push(task);
        return this.publish([
          taskCreated(task.id, task.assignee, { fee: task.fee, reward: task.reward }),
          assigned(task.id, task.assignee, task.fee),
        ]);
      }
      case 'reassign':
        if (open.length === 0) return;
        open.forEach((task, i) => {
          task.assignee = this.employee(s.seed + i * 7);
        });
        return this.publish(
          open.flatMap((task) => [
            taskUpdated(task.id, task.assignee, { fee: task.fee, reward: task.reward }),
            assigned(task.id, task.assignee, task.fee),
          ]),
        );
      case 'complete': {
        const task = open[s.task % Math.max(open.length, 1)];
        if (!task) return;
        task.done = true;
        return this.publish([completed(task.id, task.assignee, task.reward)]);
      }
      case 'close': {
        if (s.settleFirst) await ledger.settle();
        const { today } = await ledgerCalendar(ledger.conn.db, TIME_ZONE);
        const date = { today: undefined, yesterday: addDays(today, -1), tomorrow: addDays(today, 1) }[s.day];
        const close = () =>
          closeBusinessDay(ledger.conn.db, ledger.bus, { date, timeZone: TIME_ZONE, closedBy: 'property' });
        if (s.day === 'tomorrow') {
          await expect(close()).rejects.toBeInstanceOf(BusinessDayNotBegunError);
          return;
        }
        await (s.twice ? Promise.all([close(), close()]) : close());
        return;
      }
      case 'redeliver': {
        const eventId = this.publishes[s.publish % Math.max(this.publishes.length, 1)];
        if (eventId) await redeliver(ledger, eventId);
        return;
      }
    }
  }

  employee(n: number): string {
    return this.employees[n % EMPLOYEES_PER_RUN] ?? '';
  }

  /** Half the employees are announced before their first task, half only after (a late stream). */
  async announce(which: 'early' | 'late'): Promise<void> {
    const half = this.employees.filter((_, i) => (i % 2 === 0) === (which === 'early'));
    await ledger.publish(half.map((id) => employeeCreated(id)));
  }
}

async function count(query: ReturnType<typeof sql>): Promise<number> {
  const [row] = await ledger.conn.db.execute<{ n: string | number | null }>(query);
  return Number(row?.n ?? 0);
}

async function checkInvariants(run: Run): Promise<void> {
  // Every transaction sums to zero, and so does the whole ledger.
  expect(
    await count(
      sql`select count(*) as n from (select 1 from accounting.entries group by transaction_id having sum(amount) <> 0) u`,
    ),
  ).toBe(0);
  expect(await count(sql`select coalesce(sum(amount), 0) as n from accounting.entries`)).toBe(0);
  // Each balance is the sum of its entries.
  expect(
    await count(sql`select count(*) as n from accounting.accounts a
      left join (select account_id, sum(amount) as total from accounting.entries group by account_id) e on e.account_id = a.id
      where a.balance <> coalesce(e.total, 0)`),
  ).toBe(0);
  // What the company earned is every fee less every reward.
  expect(await count(sql`select balance as n from accounting.accounts where kind = 'company'`)).toBe(
    expected.fees - expected.rewards,
  );
  // One fee per assignment and one reward per completion, none more.
  expect(await count(sql`select count(*) as n from accounting.transactions where kind = 'fee'`)).toBe(
    expected.assignments,
  );
  expect(await count(sql`select count(*) as n from accounting.transactions where kind = 'reward'`)).toBe(
    expected.completions,
  );
  // No payout made twice: one per employee and day, one PayoutMade each.
  expect(
    await count(sql`select count(*) as n from (select 1 from accounting.transactions where kind = 'payout'
      group by employee_id, business_day having count(*) > 1) d`),
  ).toBe(0);
  expect(await count(sql`select count(*) as n from bus.event_log where event_name = 'PayoutMade'`)).toBe(
    await count(sql`select count(*) as n from accounting.transactions where kind = 'payout'`),
  );
  // What each employee holds plus what they were paid is what they earned less what they were charged.
  for (const employeeId of run.employees) {
    const held = await count(sql`select coalesce(sum(e.amount), 0) as n from accounting.entries e
      join accounting.transactions t on t.id = e.transaction_id
      join accounting.accounts a on a.id = e.account_id and a.employee_id = ${employeeId}
      where t.kind <> 'payout'`);
    expect(held).toBe(expected.net.get(employeeId) ?? 0);
  }
  // Up to the end of a closed day, an employee who was paid holds exactly nothing (paid what was
  // owed, no more) and one who was not holds nothing positive.
  expect(
    await count(sql`select count(*) as n from (
      select e.account_id, e.business_day,
             sum(sum(e.amount)) over (partition by e.account_id order by e.business_day) as upto
      from accounting.entries e join accounting.accounts a on a.id = e.account_id and a.kind = 'employee'
      group by e.account_id, e.business_day) r
      where r.business_day <= (select max(business_day) from accounting.closed_days)
      and (r.upto > 0 or (r.upto <> 0 and exists (
        select 1 from accounting.transactions t join accounting.accounts a on a.employee_id = t.employee_id
        where t.kind = 'payout' and t.business_day = r.business_day and a.id = r.account_id)))`),
  ).toBe(0);
}

it('keeps the ledger balanced, exact and paid once through any sequence of events, redeliveries and closes', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
      const run = new Run();
      await run.announce('early');
      for (const s of steps) await run.apply(s);
      await run.announce('late');
      await ledger.settle();
      await checkInvariants(run);
    }),
    { numRuns: 30 },
  );
});
