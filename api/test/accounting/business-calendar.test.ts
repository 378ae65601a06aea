import { businessTimeZone } from '@ates/db';
import { addDays, calendarDay } from '@ates/db/accounting';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';
import type { Task } from '../../src/tasks/schemas.ts';

let stack: TestStack;
let manager: SignedIn;
let accountant: SignedIn;
let workers: SignedIn[];
let today: string;
let tomorrow: string;

const get = <Path extends string>(path: Path, as: SignedIn) => stack.call('GET', path, { as });
const close = (body: unknown = {}) => stack.call('POST', '/v1/business-days/close', { as: accountant, body });

/** Creates a task as the manager and has its assignee finish it: a fee and a larger reward for someone. */
async function earnSomething(): Promise<Task> {
  const { body: task } = await stack.call('POST', '/v1/tasks', { as: manager, body: { title: 'Count seeds' } });
  const assignee = [accountant, ...workers].find((e) => e.id === task.assigneeId);
  if (!assignee) throw new Error(`task ${task.id} went to someone this test did not hire`);
  expect((await stack.call('POST', `/v1/tasks/${task.id}/complete`, { as: assignee })).status).toBe(200);
  return task;
}

beforeAll(async () => {
  stack = await startTestStack();
  manager = await stack.signUp('manager');
  accountant = await stack.signUp('accountant');
  workers = [await stack.signUp('worker'), await stack.signUp('worker')];
  await stack.settle();
  today = calendarDay(new Date(), businessTimeZone());
  tomorrow = addDays(today, 1);
  await earnSomething();
  await stack.settle();
});

afterAll(async () => {
  await stack.stop();
});

describe('closing the business day on demand', () => {
  it('closes today once however often it is asked, and the day in progress is then tomorrow', async () => {
    const first = await close();
    const racing = await Promise.all([close(), close({})]);
    const closes = [first, ...racing];

    expect(closes.map((c) => c.status)).toEqual([200, 200, 200]);
    expect(closes.map((c) => c.body.businessDay)).toEqual([today, today, today]);
    expect(closes.map((c) => c.body.alreadyClosed)).toEqual([false, true, true]);
    expect(closes.map((c) => c.body.dayInProgress)).toEqual([tomorrow, tomorrow, tomorrow]);
    for (const again of racing) expect(again.body).toEqual({ ...first.body, alreadyClosed: true });

    const payouts = await get(`/v1/payouts?date=${today}`, accountant);
    expect(first.body.payoutCount).toBe(1);
    expect(payouts.body.items).toHaveLength(1);
    expect((await get(`/v1/business-days/${today}`, accountant)).body).toMatchObject({
      status: 'closed',
      payoutCount: 1,
      dayInProgress: tomorrow,
    });
    expect((await get(`/v1/business-days/${tomorrow}`, accountant)).body.status).toBe('open');
  });

  it('never closes a day after today, however far the day in progress has moved', async () => {
    for (const date of [tomorrow, addDays(today, 2)]) {
      const refused = await stack.call('POST', '/v1/business-days/close', { as: accountant, body: { date } });
      expect(refused.status, date).toBe(409);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body.detail).toContain(`today is ${today}`);
    }
    expect((await get(`/v1/business-days/${tomorrow}`, accountant)).body).toMatchObject({
      status: 'open',
      dayInProgress: tomorrow,
    });
  });

  it('has the ledger and the summary agree on the day in progress, and both say its date', async () => {
    await stack.settle();
    const account = await get('/v1/accounts/me', accountant);
    const summary = await get('/v1/reports/summary', stack.admin);
    expect(account.body.businessDay).toBe(tomorrow);
    expect(summary.body.businessDay).toBe(tomorrow);
    expect(summary.body).toMatchObject({ feesCents: 0, rewardsCents: 0 });
  });

  it('books what is posted after the early close on tomorrow, in the ledger and in the summary', async () => {
    const task = await earnSomething();
    await stack.settle();
    const assignee = [accountant, ...workers].find((e) => e.id === task.assigneeId) as SignedIn;
    const entries = (await get(`/v1/accounts/me/audit?date=${tomorrow}`, assignee)).body.items;
    expect(entries.map((e) => [e.kind, e.amountCents])).toEqual([
      ['fee', -task.assignFeeCents],
      ['reward', task.rewardCents],
    ]);
    const summary = await get('/v1/reports/summary', stack.admin);
    expect(summary.body).toMatchObject({
      businessDay: tomorrow,
      feesCents: task.assignFeeCents,
      rewardsCents: task.rewardCents,
    });
    expect((await close()).body).toMatchObject({ businessDay: today, alreadyClosed: true, dayInProgress: tomorrow });
    expect((await get(`/v1/payouts?date=${tomorrow}`, accountant)).body.items).toEqual([]);
  });
});
