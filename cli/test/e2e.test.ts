import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/base-command.ts';
import { atesUntil } from './cli.ts';
import { type Terminal, terminal } from './identity/support.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read --json output field by field and assert on them
type Json = any;

const ADMIN = { email: 'root@popug.inc', password: 'a-long-enough-password' };
const person = (role: string, name: string) => {
  const email = `${name.toLowerCase()}@popug.inc`;
  return { role, email, name: `${name} Popug`, password: `${email}-password` };
};
const MANAGER = person('manager', 'Mila');
const ACCOUNTANT = person('accountant', 'Ada');
const STAFF = [MANAGER, ACCOUNTANT, ...['Kesha', 'Gosha', 'Rio'].map((name) => person('worker', name))];

let home: string;
let server: ChildProcess;
let term: Terminal;

/** What the story has learned so far, step by step. */
const day = {
  employees: new Map<string, Json>(),
  tasks: [] as Json[],
  reassignments: 0,
  worker: undefined as Json,
  completed: undefined as Json,
  closed: undefined as Json,
};

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'ates-e2e-'));
  const started = await atesUntil(
    ['server', 'start', '--home', home, '--port', '0'],
    (line) => line.msg === 'aTES is running',
    // chDB in the home even where CI provides a ClickHouse server: its default database is shared.
    { ATES_ADMIN_EMAIL: ADMIN.email, ATES_ADMIN_PASSWORD: ADMIN.password, CLICKHOUSE_URL: '' },
  );
  server = started.child;
  term = await terminal(String(started.line.api));
});

afterAll(async () => {
  await term?.close();
  if (server?.exitCode === null) server.kill('SIGKILL');
  await rm(home, { recursive: true, force: true });
});

async function loginAs(email: string, password: string): Promise<Json> {
  const { employee } = await term.json(['login', '--email', email], { ATES_PASSWORD: password });
  expect(employee.email).toBe(email);
  return employee;
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** What the ledger should hold: every task's fee once per assignment, the completed task's reward. */
const expected = () => {
  const fees = day.tasks.reduce((total, t) => total + t.assignFeeCents, 0) * (1 + day.reassignments);
  const rewards = day.completed.rewardCents;
  return { fees, rewards, earnings: fees - rewards };
};

const total = (items: Json[], field = 'amountCents'): number => items.reduce((sum, item) => sum + item[field], 0);
/** What audit entries took from balances (fees, payouts), as a positive amount. */
const taken = (entries: Json[]): number => entries.reduce((sum, e) => sum - e.amountCents, 0);

describe('a business day, only through the `ates` binary', () => {
  it('the admin logs in and hires a manager, an accountant and workers', async () => {
    expect((await loginAs(ADMIN.email, ADMIN.password)).role).toBe('admin');
    await Promise.all(
      STAFF.map(async ({ email, name, role, password }) => {
        const hired = await term.json([
          'employee',
          'create',
          '--email',
          email,
          '--name',
          name,
          '--role',
          role,
          '--password',
          password,
        ]);
        expect(hired).toMatchObject({ email, fullName: name, role, active: true });
        day.employees.set(hired.id, { ...hired, password });
      }),
    );
  });

  it('the manager creates tasks, the legacy title split, and reassigns them', async () => {
    await loginAs(MANAGER.email, MANAGER.password);
    const create = (args: string[]) => term.run(['task', 'create', ...args, '--json']);
    // The tasks context hears of the new employees through events: until then nobody is assignable.
    const first = await eventually(
      () => create(['--title', '[UP-7] - Feed the parrots', '--description', 'Before the squawk']),
      (run) => run.code !== EXIT.conflict,
    );
    expect(first.code, first.stderr).toBe(0);
    day.tasks.push(JSON.parse(first.stdout));
    for (const title of ['Fix the beak', 'Polish the perches', 'Count the seeds']) {
      day.tasks.push(await term.json(['task', 'create', '--title', title, '--jira-id', 'UP-8']));
    }
    expect(day.tasks[0]).toMatchObject({ jiraId: 'UP-7', title: 'Feed the parrots', description: 'Before the squawk' });
    for (const task of day.tasks) {
      expect(task.status).toBe('open');
      expect(task.assignFeeCents).toBeGreaterThanOrEqual(1000);
      expect(task.assignFeeCents).toBeLessThanOrEqual(2000);
      expect(task.rewardCents).toBeGreaterThanOrEqual(2000);
      expect(task.rewardCents).toBeLessThanOrEqual(4000);
      expect(['accountant', 'worker']).toContain(day.employees.get(task.assigneeId)?.role);
    }

    const unconfirmed = await term.run(['task', 'reassign']);
    expect(unconfirmed.code).toBe(EXIT.badInput);
    // Reassign until a worker, not only the accountant, holds a task for the next step.
    while (!day.worker) {
      const reassigned = await term.json(['task', 'reassign', '--yes']);
      expect(reassigned.movedTasks).toBe(day.tasks.length);
      day.reassignments++;
      const { items } = await term.json(['task', 'list', '--all']);
      expect(items).toHaveLength(day.tasks.length);
      const holders = items.map((t: Json) => day.employees.get(t.assigneeId));
      day.worker = holders.find((employee: Json) => employee?.role === 'worker');
    }
  });

  it('a worker lists their own tasks and completes one, once', async () => {
    await loginAs(day.worker.email, day.worker.password);
    const { items } = await term.json(['task', 'list', '--mine']);
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((t: Json) => t.assigneeId === day.worker.id && t.status === 'open')).toBe(true);
    const [task] = items;
    day.completed = await term.json(['task', 'complete', task.id]);
    expect(day.completed).toMatchObject({ id: task.id, status: 'done', rewardCents: task.rewardCents });
    expect(day.completed.completedAt).toEqual(expect.any(String));
    const again = await term.run(['task', 'complete', task.id]);
    expect(again.code).toBe(EXIT.conflict);
  });

  it('the accountant sees the ledger add up and closes the day', async () => {
    await loginAs(ACCOUNTANT.email, ACCOUNTANT.password);
    const { fees, rewards, earnings } = expected();
    const ledger = await eventually(
      () => term.json(['billing', 'earnings']),
      (e: Json) => total(e.items, 'feesCents') === fees && total(e.items, 'rewardsCents') === rewards,
    );
    expect(total(ledger.items, 'feesCents')).toBe(fees);
    expect(total(ledger.items, 'rewardsCents')).toBe(rewards);
    expect(ledger.totalEarningsCents).toBe(earnings);

    day.closed = await term.json(['billing', 'close-day', '--yes']);
    expect(day.closed.alreadyClosed).toBe(false);
    expect(day.closed.payouts).toHaveLength(day.closed.payoutCount);
    expect(total(day.closed.payouts)).toBe(day.closed.payoutTotalCents);
  });

  it('the admin reads every report, and they add up', async () => {
    await loginAs(ADMIN.email, ADMIN.password);
    const { fees, rewards, earnings } = expected();
    const { businessDay, payoutTotalCents, payoutCount } = day.closed;
    // The day was closed early: "today" is now the next business day, for the summary as for the ledger.
    const summary = await eventually(
      () => term.json(['report', 'summary']),
      (s: Json) => s.businessDay === day.closed.dayInProgress,
    );
    expect(summary).toMatchObject({ feesCents: 0, rewardsCents: 0, payoutsCents: 0 });
    const closedDay = await eventually(
      () => term.json(['report', 'earnings', '--to', businessDay]),
      (e: Json) => e.items.at(-1).feesCents === fees && e.items.at(-1).payoutsCents === payoutTotalCents,
    );
    expect(closedDay.items.at(-1)).toMatchObject({
      businessDay,
      rewardsCents: rewards,
      managementEarningsCents: earnings,
    });

    const [chart, audit, payouts, top] = await Promise.all([
      term.json(['report', 'earnings', '--to', businessDay]),
      term.json(['report', 'audit', '--date', businessDay, '--all']),
      term.json(['report', 'payouts', '--date', businessDay]),
      term.json(['report', 'top-tasks']),
    ]);
    expect(chart.items.at(-1)).toMatchObject({ businessDay, managementEarningsCents: earnings });
    expect(chart.managementEarningsCents).toBe(earnings);

    const of = (kind: string) => audit.items.filter((e: Json) => e.kind === kind);
    expect(of('debit')).toHaveLength(day.tasks.length * (1 + day.reassignments));
    expect(taken(of('debit'))).toBe(fees);
    expect(of('credit')).toEqual([
      expect.objectContaining({ taskId: day.completed.id, employeeId: day.worker.id, amountCents: rewards }),
    ]);
    expect(taken(of('payout'))).toBe(payoutTotalCents);

    expect(payouts).toMatchObject({ businessDay, totalCents: payoutTotalCents });
    expect(payouts.items).toHaveLength(payoutCount);

    expect(top.items).toEqual([
      expect.objectContaining({
        rank: 1,
        taskId: day.completed.id,
        rewardCents: day.completed.rewardCents,
        completedById: day.worker.id,
      }),
    ]);
  });

  it('the server stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
