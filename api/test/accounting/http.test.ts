import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';
import type { ClosedDay } from '../../src/accounting/schemas.ts';
import type { Task } from '../../src/tasks/schemas.ts';

let stack: TestStack;
let manager: SignedIn;
let accountant: SignedIn;
let ada: SignedIn;
let bob: SignedIn;
/** Tasks created by the test, as the tasks context answered, and those completed. */
const tasks: Task[] = [];
const done: Task[] = [];

async function create(title: string, description: string): Promise<Task> {
  const { status, body } = await stack.call('POST', '/v1/tasks', {
    as: manager,
    body: { title, jiraId: `UP-${tasks.length + 1}`, description },
  });
  expect(status).toBe(201);
  tasks.push(body);
  return body;
}

/** Creates tasks until one lands on `owner`. */
async function taskOf(owner: SignedIn, title: string): Promise<Task> {
  for (;;) {
    const task = await create(title, `${title}, described`);
    if (task.assigneeId === owner.id) return task;
  }
}

async function complete(task: Task, as: SignedIn): Promise<void> {
  expect((await stack.call('POST', `/v1/tasks/${task.id}/complete`, { as })).status).toBe(200);
  done.push(task);
}

const get = <Path extends string>(path: Path, as?: SignedIn) => stack.call('GET', path, { as });

/** Waits for the consumers this file depends on (the whole-stack `settle` also waits for analytics). */
const settle = () => stack.runtime.bus.settle(['tasks.employees', 'accounting.ledger', 'accounting.payout-mail']);

/** What the ledger should hold for an employee: rewards of their done tasks less fees of every assignment. */
function expectedBalance(employeeId: string): number {
  const fees = tasks.filter((t) => t.assigneeId === employeeId).reduce((sum, t) => sum + t.assignFeeCents, 0);
  const rewards = done.filter((t) => t.assigneeId === employeeId).reduce((sum, t) => sum + t.rewardCents, 0);
  return rewards - fees;
}

let adasTask: Task;
let bobsTask: Task;

beforeAll(async () => {
  stack = await startTestStack();
  manager = await stack.signUp('manager', 'Mia Manager');
  accountant = await stack.signUp('accountant', 'Acc Countant');
  ada = await stack.signUp('worker', 'Ada Popug');
  bob = await stack.signUp('worker', 'Bob Popug');
  await settle();
  adasTask = await taskOf(ada, 'Fix the beak');
  bobsTask = await taskOf(bob, 'Polish the feathers');
  for (const task of tasks.filter((t) => t.assigneeId === ada.id)) await complete(task, ada);
  while (expectedBalance(ada.id) <= 0) await complete(await taskOf(ada, 'Sharpen the claws'), ada);
  await settle();
});

afterAll(async () => {
  await stack.stop();
});

describe('balances and audit logs', () => {
  it("shows each employee's balance as the ledger holds it", async () => {
    const mine = await get('/v1/accounts/me', ada);
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({
      employeeId: ada.id,
      fullName: 'Ada Popug',
      email: ada.email,
      balanceCents: expectedBalance(ada.id),
    });
    const bobs = await get(`/v1/accounts/${bob.id}`, accountant);
    expect(bobs.body.balanceCents).toBe(expectedBalance(bob.id));
    expect(bobs.body.balanceCents).toBeLessThan(0);
  });

  it("lists every debit and credit with the task's jira id, title and description", async () => {
    const { status, body } = await get('/v1/accounts/me/audit', ada);
    expect(status).toBe(200);
    const entries = body.items.filter((e) => e.taskId === adasTask.id);
    expect(entries).toEqual([
      expect.objectContaining({
        kind: 'fee',
        amountCents: -adasTask.assignFeeCents,
        jiraId: adasTask.jiraId,
        title: 'Fix the beak',
        description: 'Fix the beak, described',
        at: adasTask.createdAt,
      }),
      expect.objectContaining({ kind: 'reward', amountCents: adasTask.rewardCents, jiraId: adasTask.jiraId }),
    ]);
    expect(body.items.reduce((sum, e) => sum + e.amountCents, 0)).toBe(expectedBalance(ada.id));
  });

  it('pages the audit log and filters it by business day', async () => {
    const all = (await get(`/v1/accounts/${ada.id}/audit`, stack.admin)).body.items;
    const first = await get(`/v1/accounts/${ada.id}/audit?limit=1`, stack.admin);
    expect(first.body.items).toEqual(all.slice(0, 1));
    const second = await get(`/v1/accounts/${ada.id}/audit?limit=1&cursor=${first.body.nextCursor}`, stack.admin);
    expect(second.body.items).toEqual(all.slice(1, 2));
    const today = all[0]?.businessDay ?? '';
    expect((await get(`/v1/accounts/${ada.id}/audit?date=${today}`, ada)).body.items).toEqual(all);
    expect((await get(`/v1/accounts/${ada.id}/audit?from=2020-01-01&to=2020-01-31`, ada)).body.items).toEqual([]);
  });

  it('refuses a bad audit query with a 400 problem', async () => {
    for (const query of [
      'date=2026-02-30',
      'date=2026-11-24&from=2026-11-01',
      'from=2026-11-25&to=2026-11-24',
      'x=1',
    ]) {
      const { status, headers } = await get(`/v1/accounts/me/audit?${query}`, ada);
      expect(status, query).toBe(400);
      expect(headers.get('content-type')).toContain('application/problem+json');
    }
  });
});

describe('the company earnings', () => {
  it('are the fees less the rewards of each business day, every day of the range', async () => {
    const me = await get('/v1/accounts/me', accountant);
    const today = me.body.businessDay;
    const { status, body } = await get('/v1/earnings', accountant);
    expect(status).toBe(200);
    expect(body.items).toHaveLength(7);
    const fees = tasks.reduce((sum, t) => sum + t.assignFeeCents, 0);
    const rewards = done.reduce((sum, t) => sum + t.rewardCents, 0);
    expect(body.items.at(-1)).toEqual({
      businessDay: today,
      feesCents: fees,
      rewardsCents: rewards,
      earningsCents: fees - rewards,
    });
    expect(body.totalEarningsCents).toBe(fees - rewards);
    expect((await get(`/v1/earnings?from=${today}&to=${today}`, stack.admin)).body.items).toHaveLength(1);
    expect((await get('/v1/earnings?from=2020-01-01&to=2026-01-01', stack.admin)).status).toBe(400);
  });
});

/** The day the close test closed: the role matrix reads it. */
let closed: ClosedDay;

describe('closing the business day', () => {
  it('refuses a day that has not begun, a bad date and unknown fields, writing nothing', async () => {
    const today = (await get('/v1/accounts/me', accountant)).body.businessDay;
    const tomorrow = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const future = await stack.call('POST', '/v1/business-days/close', { as: accountant, body: { date: tomorrow } });
    expect(future.status).toBe(409);
    expect(future.body.detail).toMatch(/has not begun/);
    for (const body of [{ date: '24.11.2026' }, { date: today, dryRun: true }]) {
      expect((await stack.call('POST', '/v1/business-days/close', { as: accountant, body })).status).toBe(400);
    }
    expect((await get(`/v1/business-days/${today}`, accountant)).body.status).toBe('open');
  });

  it('pays out positive balances at once, carries negative ones, and mails the payouts', async () => {
    const adaBefore = (await get('/v1/accounts/me', ada)).body.balanceCents;
    const bobBefore = (await get('/v1/accounts/me', bob)).body.balanceCents;
    const response = await stack.call('POST', '/v1/business-days/close', { as: accountant });
    expect(response.status).toBe(200);
    closed = response.body;
    expect(closed).toMatchObject({ alreadyClosed: false, closedBy: accountant.id, payoutCount: 1 });
    expect(closed.payoutTotalCents).toBe(adaBefore);
    expect((await get('/v1/accounts/me', ada)).body.balanceCents).toBe(0);
    expect((await get('/v1/accounts/me', bob)).body.balanceCents).toBe(bobBefore);

    const payout = (await get(`/v1/accounts/me/audit?date=${closed.businessDay}`, ada)).body.items.at(-1);
    expect(payout).toMatchObject({ kind: 'payout', amountCents: -adaBefore, taskId: null, title: null });

    await settle();
    const day = await get(`/v1/business-days/${closed.businessDay}`, accountant);
    expect(day.body).toMatchObject({ status: 'closed', payoutCount: 1, payoutTotalCents: adaBefore, mailsSent: 1 });
    const list = await get(`/v1/payouts?date=${closed.businessDay}`, accountant);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        employeeId: ada.id,
        email: ada.email,
        amountCents: adaBefore,
        mail: expect.any(Object),
      }),
    ]);
    const location = list.body.items[0]?.mail?.location ?? '';
    expect(location.startsWith(join(stack.home, 'outbox'))).toBe(true);
    const eml = await readFile(location, 'utf8');
    expect(eml).toContain(`<${ada.email}>`);
    expect(eml).toContain(`pays you $${(adaBefore / 100).toFixed(2)}`);
  });

  it('pays nothing twice when the day is closed again', async () => {
    const again = await stack.call('POST', '/v1/business-days/close', {
      as: stack.admin,
      body: { date: closed.businessDay },
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...closed, alreadyClosed: true });
    expect((await get(`/v1/payouts?date=${closed.businessDay}`, stack.admin)).body.items).toHaveLength(1);
  });

  it('leaves later work to the next business day', async () => {
    await complete(bobsTask, bob);
    await settle();
    const bobs = (await get('/v1/accounts/me/audit', bob)).body.items.at(-1);
    expect(bobs).toMatchObject({ kind: 'reward', taskId: bobsTask.id });
    expect(bobs?.businessDay).not.toBe(closed.businessDay);
    expect((await get(`/v1/business-days/${bobs?.businessDay}`, accountant)).body.status).toBe('open');
  });
});

describe('who may see and do what', () => {
  type Expect = Record<'admin' | 'accountant' | 'manager' | 'worker', number>;
  const everyone = { admin: 200, accountant: 200, manager: 200, worker: 200 };
  const bookkeepers = { admin: 200, accountant: 200, manager: 403, worker: 403 };
  const ownOnly = { admin: 200, accountant: 200, manager: 404, worker: 404 };

  it('lets a worker or manager read only their own data, and admins and accountants everything', async () => {
    const day = closed.businessDay;
    const routes: [string, Expect][] = [
      ['/v1/accounts/me', everyone],
      ['/v1/accounts/me/audit', everyone],
      [`/v1/accounts/${bob.id}`, ownOnly],
      [`/v1/accounts/${bob.id}/audit`, ownOnly],
      ['/v1/earnings', bookkeepers],
      [`/v1/business-days/${day}`, bookkeepers],
      [`/v1/payouts?date=${day}`, everyone],
    ];
    for (const [path, expected] of routes) {
      for (const as of [stack.admin, accountant, manager, ada]) {
        const { status } = await get(path, as);
        expect(status, `${as.role} GET ${path}`).toBe(expected[as.role]);
      }
      expect((await get(path)).status, `anonymous GET ${path}`).toBe(401);
    }
    expect((await get(`/v1/accounts/${bob.id}`, bob)).status).toBe(200);
  });

  it('shows a worker only their own payout', async () => {
    const day = closed.businessDay;
    expect((await get(`/v1/payouts?date=${day}`, ada)).body.items.map((p) => p.employeeId)).toEqual([ada.id]);
    expect((await get(`/v1/payouts?date=${day}`, bob)).body.items).toEqual([]);
  });

  it('lets only admins and accountants close a day', async () => {
    for (const as of [manager, ada]) {
      const { status } = await stack.call('POST', '/v1/business-days/close', { as, body: {} });
      expect(status, as.role).toBe(403);
    }
    expect((await stack.call('POST', '/v1/business-days/close', { body: {} })).status).toBe(401);
  });
});

describe('the OpenAPI document', () => {
  it('describes every accounting route', async () => {
    const { body } = await get('/openapi.json');
    for (const path of [
      '/v1/accounts/{employeeId}',
      '/v1/accounts/{employeeId}/audit',
      '/v1/earnings',
      '/v1/business-days/close',
      '/v1/business-days/{date}',
      '/v1/payouts',
    ]) {
      expect(Object.keys(body.paths)).toContain(path);
    }
  });
});
