import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atesUntil } from '../../test/support/cli.ts';
import { EXIT } from '../src/base-command.ts';
import type { Reply, Schema } from '../src/client.ts';
import type { Employee } from '../src/identity.ts';
import type { Task } from '../src/tasks.ts';
import { type Terminal, terminal } from './identity/support.ts';

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

type Hired = Employee & { password: string };

/** What the story has learned so far, step by step; the `--json` of each command is the API's answer. */
const day = {
  employees: new Map<string, Hired>(),
  tasks: [] as Task[],
  reassignments: 0,
  worker: undefined as Hired | undefined,
  completed: undefined as Task | undefined,
  closed: undefined as (Schema<'ClosedDay'> & { payouts: Schema<'Payout'>[] }) | undefined,
};

/** A step's finding, which the steps before it made. */
function found<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('an earlier step did not get this far');
  return value;
}

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

async function loginAs(email: string, password: string): Promise<Employee> {
  const { employee } = await term.json<{ employee: Employee }>(['login', '--email', email], {
    ATES_PASSWORD: password,
  });
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
  const rewards = found(day.completed).rewardCents;
  return { fees, rewards, earnings: fees - rewards };
};

const total = <T>(items: T[], amount: (item: T) => number): number =>
  items.reduce((sum, item) => sum + amount(item), 0);
/** What audit entries took from balances (fees, payouts), as a positive amount. */
const taken = (entries: { amountCents: number }[]): number => entries.reduce((sum, e) => sum - e.amountCents, 0);

describe('a business day, only through the `ates` binary', () => {
  it('the admin logs in and hires a manager, an accountant and workers', async () => {
    expect((await loginAs(ADMIN.email, ADMIN.password)).role).toBe('admin');
    await Promise.all(
      STAFF.map(async ({ email, name, role, password }) => {
        const hired = await term.json<Employee>([
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
      day.tasks.push(await term.json<Task>(['task', 'create', '--title', title, '--jira-id', 'UP-8']));
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
      const reassigned = await term.json<Schema<'ReassignResult'>>(['task', 'reassign', '--yes']);
      expect(reassigned.movedTasks).toBe(day.tasks.length);
      day.reassignments++;
      const { items } = await term.json<Schema<'TaskList'>>(['task', 'list', '--all']);
      expect(items).toHaveLength(day.tasks.length);
      const holders = items.map((t) => day.employees.get(t.assigneeId));
      day.worker = holders.find((employee) => employee?.role === 'worker');
    }
  });

  it('a worker lists their own tasks and completes one, once', async () => {
    const worker = found(day.worker);
    await loginAs(worker.email, worker.password);
    const { items } = await term.json<Schema<'TaskList'>>(['task', 'list', '--mine']);
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((t) => t.assigneeId === worker.id && t.status === 'open')).toBe(true);
    const task = found(items[0]);
    const completed = await term.json<Task>(['task', 'complete', task.id]);
    day.completed = completed;
    expect(completed).toMatchObject({ id: task.id, status: 'done', rewardCents: task.rewardCents });
    expect(completed.completedAt).toEqual(expect.any(String));
    const again = await term.run(['task', 'complete', task.id]);
    expect(again.code).toBe(EXIT.conflict);
  });

  it('the accountant sees the ledger add up and closes the day', async () => {
    await loginAs(ACCOUNTANT.email, ACCOUNTANT.password);
    const { fees, rewards, earnings } = expected();
    const feesOf = (e: Schema<'Earnings'>) => total(e.items, (d) => d.feesCents);
    const rewardsOf = (e: Schema<'Earnings'>) => total(e.items, (d) => d.rewardsCents);
    const ledger = await eventually(
      () => term.json<Schema<'Earnings'>>(['billing', 'earnings']),
      (e) => feesOf(e) === fees && rewardsOf(e) === rewards,
    );
    expect(feesOf(ledger)).toBe(fees);
    expect(rewardsOf(ledger)).toBe(rewards);
    expect(ledger.totalEarningsCents).toBe(earnings);

    const closed = await term.json<NonNullable<typeof day.closed>>(['billing', 'close-day', '--yes']);
    day.closed = closed;
    expect(closed.alreadyClosed).toBe(false);
    expect(closed.payouts).toHaveLength(closed.payoutCount);
    expect(total(closed.payouts, (p) => p.amountCents)).toBe(closed.payoutTotalCents);
  });

  it('the admin reads every report, and they add up', async () => {
    await loginAs(ADMIN.email, ADMIN.password);
    const { fees, rewards, earnings } = expected();
    const { businessDay, payoutTotalCents, payoutCount, dayInProgress } = found(day.closed);
    const [completed, worker] = [found(day.completed), found(day.worker)];
    // The day was closed early: "today" is now the next business day, for the summary as for the ledger.
    const summary = await eventually(
      () => term.json<Schema<'AnalyticsSummary'>>(['report', 'summary']),
      (s) => s.businessDay === dayInProgress,
    );
    expect(summary).toMatchObject({ feesCents: 0, rewardsCents: 0, payoutsCents: 0 });
    const closedDay = await eventually(
      () => term.json<Reply<'get', '/v1/reports/earnings'>>(['report', 'earnings', '--to', businessDay]),
      (e) => e.items.at(-1)?.feesCents === fees && e.items.at(-1)?.payoutsCents === payoutTotalCents,
    );
    expect(closedDay.items.at(-1)).toMatchObject({
      businessDay,
      rewardsCents: rewards,
      managementEarningsCents: earnings,
    });

    const [chart, audit, payouts, top] = await Promise.all([
      term.json<Reply<'get', '/v1/reports/earnings'>>(['report', 'earnings', '--to', businessDay]),
      term.json<Schema<'AnalyticsAuditLog'>>(['report', 'audit', '--date', businessDay, '--all']),
      term.json<Reply<'get', '/v1/reports/payouts'>>(['report', 'payouts', '--date', businessDay]),
      term.json<Reply<'get', '/v1/reports/top-tasks'>>(['report', 'top-tasks']),
    ]);
    expect(chart.items.at(-1)).toMatchObject({ businessDay, managementEarningsCents: earnings });
    expect(chart.managementEarningsCents).toBe(earnings);

    const of = (kind: Schema<'AnalyticsAuditEntry'>['kind']) => audit.items.filter((e) => e.kind === kind);
    expect(of('fee')).toHaveLength(day.tasks.length * (1 + day.reassignments));
    expect(taken(of('fee'))).toBe(fees);
    expect(of('reward')).toEqual([
      expect.objectContaining({ taskId: completed.id, employeeId: worker.id, amountCents: rewards }),
    ]);
    expect(taken(of('payout'))).toBe(payoutTotalCents);

    expect(payouts).toMatchObject({ businessDay, totalCents: payoutTotalCents });
    expect(payouts.items).toHaveLength(payoutCount);

    expect(top.items).toEqual([
      expect.objectContaining({
        rank: 1,
        taskId: completed.id,
        rewardCents: completed.rewardCents,
        completedById: worker.id,
      }),
    ]);
  });

  it('the server stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
