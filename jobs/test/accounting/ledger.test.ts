import { randomUUID } from 'node:crypto';
import { calendarDay } from '@ates/db/accounting';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assigned,
  balanceOf,
  completed,
  deliverLate,
  employeeCreated,
  houseBalance,
  type Ledger,
  published,
  redeliver,
  refusal,
  startLedger,
  TIME_ZONE,
  taskCreated,
  taskUpdated,
} from './support.ts';

let ledger: Ledger;

beforeAll(async () => {
  ledger = await startLedger();
});

afterAll(async () => {
  await ledger.stop();
});

describe('posting fees and rewards', () => {
  it('charges the assignee the fee and pays the reward on completion, each a balanced transaction', async () => {
    const popug = randomUUID();
    const task = randomUUID();
    const companyBefore = await houseBalance(ledger, 'company');
    await ledger.publish([employeeCreated(popug), taskCreated(task, popug), assigned(task, popug, 1500)]);
    await ledger.settle();
    expect(await balanceOf(ledger, popug)).toBe(-1500);
    expect(await houseBalance(ledger, 'company')).toBe(companyBefore + 1500);

    await ledger.publish([completed(task, popug, 3200)]);
    await ledger.settle();
    expect(await balanceOf(ledger, popug)).toBe(1700);
    expect(await houseBalance(ledger, 'company')).toBe(companyBefore + 1500 - 3200);

    const legs = await ledger.conn.db.execute<{ kind: string; amounts: number[] }>(sql`
      select t.kind, array_agg(e.amount::int order by e.amount) as amounts
      from accounting.transactions t join accounting.entries e on e.transaction_id = t.id
      where t.task_id = ${task} group by t.id, t.kind order by t.kind`);
    expect(legs).toEqual([
      { kind: 'fee', amounts: [-1500, 1500] },
      { kind: 'reward', amounts: [-3200, 3200] },
    ]);
  });

  it('publishes AccountDebited and AccountCredited with the business day in progress, in event order', async () => {
    const popug = randomUUID();
    const task = randomUUID();
    await ledger.publish([employeeCreated(popug), assigned(task, popug, 1000), completed(task, popug, 2500)]);
    await ledger.settle();
    const today = calendarDay(new Date(), TIME_ZONE);
    const debited = (await published(ledger, 'AccountDebited')).filter((e) => e.employee_id === popug);
    const credited = (await published(ledger, 'AccountCredited')).filter((e) => e.employee_id === popug);
    expect(debited).toEqual([expect.objectContaining({ task_id: task, amount: 1000, business_day: today })]);
    expect(credited).toEqual([expect.objectContaining({ task_id: task, amount: 2500, business_day: today })]);
    const [transaction] = await ledger.conn.db.execute<{ id: string }>(
      sql`select id from accounting.transactions where task_id = ${task} and kind = 'fee'`,
    );
    expect(debited[0]?.transaction_id).toBe(transaction?.id);
    const order = await ledger.conn.db.execute<{ amount: number }>(sql`
      select e.amount::int from accounting.entries e join accounting.accounts a on a.id = e.account_id
      where a.employee_id = ${popug} order by e.id`);
    expect(order.map((e) => e.amount)).toEqual([-1000, 2500]);
  });

  it('charges every assignment, including a reassignment to the same employee', async () => {
    const popug = randomUUID();
    const task = randomUUID();
    await ledger.publish([employeeCreated(popug), assigned(task, popug, 1200)]);
    await ledger.publish([assigned(task, popug, 1200)]);
    await ledger.settle();
    expect(await balanceOf(ledger, popug)).toBe(-2400);
  });

  it('moves no money twice when a delivery comes again', async () => {
    const popug = randomUUID();
    const task = randomUUID();
    const sent = await ledger.publish([employeeCreated(popug), assigned(task, popug, 1300)]);
    await ledger.settle();
    await redeliver(ledger, sent[1]?.event_id ?? '');
    await redeliver(ledger, sent[1]?.event_id ?? '');
    await ledger.settle();
    expect(await balanceOf(ledger, popug)).toBe(-1300);
    expect((await published(ledger, 'AccountDebited')).filter((e) => e.employee_id === popug)).toHaveLength(1);
  });

  it('rewards a task once even if a second completion is published', async () => {
    const popug = randomUUID();
    const task = randomUUID();
    await ledger.publish([employeeCreated(popug), assigned(task, popug, 1000), completed(task, popug, 2000)]);
    await ledger.publish([completed(task, popug, 2000)]);
    await ledger.settle();
    expect(await balanceOf(ledger, popug)).toBe(1000);
  });

  it('opens the account on the first TaskAssigned when the Employee event comes later', async () => {
    const popug = randomUUID();
    const task = randomUUID();
    await ledger.publish([assigned(task, popug, 1100)]);
    await ledger.settle();
    expect(await balanceOf(ledger, popug)).toBe(-1100);
    await ledger.publish([employeeCreated(popug, 'Late Popug', 'late@popug.inc')]);
    await ledger.settle();
    const [copy] = await ledger.conn.db.execute(
      sql`select full_name, email from accounting.employees where employee_id = ${popug}`,
    );
    expect(copy).toEqual({ full_name: 'Late Popug', email: 'late@popug.inc' });
    expect(await balanceOf(ledger, popug)).toBe(-1100);
  });

  it('keeps the newest name and email, and the newest title and description, whatever order they arrive in', async () => {
    const task = randomUUID();
    const popug = randomUUID();
    const renamed = await ledger.publish([
      employeeCreated(popug, 'New Name', 'new@popug.inc'),
      taskUpdated(task, popug, { title: 'Renamed', jiraId: 'UP-7', description: 'new' }),
    ]);
    await ledger.settle();
    const earlier = new Date(Date.parse(renamed[0]?.event_time ?? '') - 60_000).toISOString();
    await deliverLate(ledger, employeeCreated(popug, 'Old Name', 'old@popug.inc'), earlier);
    await deliverLate(ledger, taskCreated(task, popug, { title: 'First title', description: 'old' }), earlier);
    await ledger.settle();
    const [employee] = await ledger.conn.db.execute(
      sql`select full_name, email from accounting.employees where employee_id = ${popug}`,
    );
    const [copy] = await ledger.conn.db.execute(
      sql`select jira_id, title, description from accounting.tasks where task_id = ${task}`,
    );
    expect(employee).toEqual({ full_name: 'New Name', email: 'new@popug.inc' });
    expect(copy).toEqual({ jira_id: 'UP-7', title: 'Renamed', description: 'new' });
  });
});

describe('what the database itself refuses', () => {
  const company = sql`(select id from accounting.accounts where kind = 'company')`;

  it('a transaction whose entries do not sum to zero', async () => {
    const id = randomUUID();
    const unbalanced = ledger.conn.db.transaction(async (tx) => {
      await tx.execute(sql`insert into accounting.transactions (id, kind, employee_id, task_id, source_event_id, business_day, occurred_at)
        values (${id}, 'fee', 'someone', 't', ${randomUUID()}, current_date, now())`);
      await tx.execute(sql`insert into accounting.entries (transaction_id, account_id, amount, business_day)
        values (${id}, ${company}, 500, current_date)`);
    });
    expect(await refusal(unbalanced)).toMatch(/does not sum to zero/);
    expect(await ledger.conn.db.execute(sql`select 1 from accounting.transactions where id = ${id}`)).toHaveLength(0);
  });

  it('entries on an account that does not exist', async () => {
    const id = randomUUID();
    const orphan = ledger.conn.db.transaction(async (tx) => {
      await tx.execute(sql`insert into accounting.transactions (id, kind, employee_id, task_id, source_event_id, business_day, occurred_at)
        values (${id}, 'fee', 'someone', 't', ${randomUUID()}, current_date, now())`);
      await tx.execute(sql`insert into accounting.entries (transaction_id, account_id, amount, business_day)
        values (${id}, ${company}, 500, current_date), (${id}, -1, -500, current_date)`);
    });
    expect(await refusal(orphan)).toMatch(/1 accounts that do not exist/);
  });

  it('a change to an entry, and a balance set by hand', async () => {
    const { db } = ledger.conn;
    expect(await refusal(db.execute(sql`update accounting.entries set amount = amount * 2`))).toMatch(/append-only/);
    expect(await refusal(db.execute(sql`delete from accounting.entries`))).toMatch(/append-only/);
    expect(
      await refusal(db.execute(sql`update accounting.accounts set balance = balance + 100 where kind = 'company'`)),
    ).toMatch(/only through ledger entries/);
    expect(
      await refusal(
        db.execute(sql`insert into accounting.accounts (kind, employee_id, balance) values ('employee', 'rich', 100)`),
      ),
    ).toMatch(/only through ledger entries/);
  });
});
