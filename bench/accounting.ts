import { randomUUID } from 'node:crypto';
import { LEDGER_CONSUMER, type NewEvent } from '@ates/db/bus';
import { closeBusinessDay, ledgerHandler } from '@ates/jobs/accounting';
import type { Sql } from 'postgres';
import { benchDatabase, count, seconds } from './support.ts';

const EMPLOYEES = 100_000;
const EVENTS_PER_PUBLISH = 10_000;
const TIME_ZONE = 'UTC';

/**
 * Ledger postings per second through the real consumer (a backlog of TaskAssigned and TaskCompleted
 * drained by `accounting.ledger`), then the close of a day with a positive balance on every account.
 */
export async function benchAccounting(): Promise<void> {
  const { conn, bus, stop } = await benchDatabase();
  try {
    const employees = Array.from({ length: EMPLOYEES }, () => randomUUID());
    await publishAll(conn.db, bus, employees.map(employeeCreated));
    await bus.subscribe(LEDGER_CONSUMER, ledgerHandler(bus, TIME_ZONE));
    await waitFor(conn.sql, 'select count(*)::int as n from accounting.employees', EMPLOYEES);
    await bus.boss.offWork(LEDGER_CONSUMER);

    const tasks = employees.map((employeeId) => ({ taskId: randomUUID(), employeeId }));
    const at = new Date().toISOString();
    await publishAll(conn.db, bus, [
      ...tasks.map(({ taskId, employeeId }) => money('TaskAssigned', taskId, employeeId, 1500, at)),
      ...tasks.map(({ taskId, employeeId }) => money('TaskCompleted', taskId, employeeId, 3000, at)),
    ]);
    const postings = tasks.length * 2;
    const drainStarted = performance.now();
    await bus.subscribe(LEDGER_CONSUMER, ledgerHandler(bus, TIME_ZONE));
    await waitFor(conn.sql, 'select count(*)::int as n from accounting.transactions', postings);
    const drained = performance.now() - drainStarted;
    console.log(
      `ledger postings from the consumer: ${count(postings)} TaskAssigned + TaskCompleted (a backlog in jobs of ` +
        `1,000 events) posted with their AccountDebited/AccountCredited in ${seconds(drained)}: ` +
        `${count(postings / (drained / 1000))} postings/s (target ≥ 10,000/s)`,
    );
    await bus.boss.offWork(LEDGER_CONSUMER);

    const closeStarted = performance.now();
    const closed = await closeBusinessDay(conn.db, bus, { timeZone: TIME_ZONE, closedBy: 'bench' });
    const closeTook = performance.now() - closeStarted;
    console.log(
      `close-day for ${count(EMPLOYEES)} employees: ${count(closed.payoutCount)} payouts totalling ` +
        `$${count(closed.payoutTotal / 100)} with their PayoutMade events in ${seconds(closeTook)} (target ≤ 5 s)`,
    );
  } finally {
    await stop();
  }
}

async function publishAll(
  db: Parameters<typeof closeBusinessDay>[0],
  bus: Parameters<typeof closeBusinessDay>[1],
  events: NewEvent[],
): Promise<void> {
  for (let start = 0; start < events.length; start += EVENTS_PER_PUBLISH) {
    await db.transaction((tx) => bus.publish(tx, 'bench', events.slice(start, start + EVENTS_PER_PUBLISH)));
  }
}

function employeeCreated(employeeId: string, i: number): NewEvent {
  return {
    name: 'Employee.Created',
    data: { employee_id: employeeId, full_name: `Popug ${i}`, role: 'worker', email: `popug${i}@popug.inc` },
  };
}

function money(name: 'TaskAssigned' | 'TaskCompleted', taskId: string, employeeId: string, amount: number, at: string) {
  return { name, data: { task_id: taskId, employee_id: employeeId, amount, at } } as NewEvent;
}

async function waitFor(sqlClient: Sql, query: string, expected: number): Promise<void> {
  for (;;) {
    const [row] = await sqlClient.unsafe<{ n: number }[]>(query);
    if ((row?.n ?? 0) >= expected) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
