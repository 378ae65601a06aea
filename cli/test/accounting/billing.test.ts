import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';
import type { Task } from '../../src/tasks.ts';
import { STACK_TRACE, type Terminal, terminal } from '../identity/support.ts';

let stack: TestStack;
let accountant: SignedIn;
let ada: SignedIn;
let bob: SignedIn;
let books: Terminal;
let adas: Terminal;
let task: Task;
/** Rewards of every task ada completed. */
let rewarded = 0;

/** Waits for the consumers billing depends on (the whole-stack `settle` also waits for analytics). */
const settle = () => stack.runtime.bus.settle(['tasks.employees', 'accounting.ledger', 'accounting.payout-mail']);

async function login(as: SignedIn): Promise<Terminal> {
  const term = await terminal(stack.apiUrl);
  const result = await term.run(['login', '--email', as.email], { ATES_PASSWORD: as.password });
  expect(result.code, result.stderr).toBe(0);
  return term;
}

beforeAll(async () => {
  stack = await startTestStack();
  const manager = await stack.signUp('manager');
  accountant = await stack.signUp('accountant', 'Acc Countant');
  ada = await stack.signUp('worker', 'Ada Popug');
  bob = await stack.signUp('worker', 'Bob Popug');
  await settle();
  let balance = 0;
  while (balance <= 0) {
    const created = await stack.call('POST', '/v1/tasks', {
      as: manager,
      body: { title: 'Fix the beak', jiraId: 'UP-42', description: 'It squeaks on Mondays' },
    });
    if (created.body.assigneeId !== ada.id) continue;
    task = created.body;
    expect((await stack.call('POST', `/v1/tasks/${task.id}/complete`, { as: ada })).status).toBe(200);
    balance += task.rewardCents - task.assignFeeCents;
    rewarded += task.rewardCents;
  }
  await settle();
  books = await login(accountant);
  adas = await login(ada);
});

afterAll(async () => {
  await books?.close();
  await adas?.close();
  await stack?.stop();
});

const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;

describe('ates billing balance and audit', () => {
  it("shows a worker their balance and the accountant anyone's, by email", async () => {
    const own = await adas.run(['billing', 'balance']);
    expect(own.code, own.stderr).toBe(0);
    const balance = (await adas.json(['billing', 'balance'])).balanceCents;
    expect(own.stdout).toContain(`Ada Popug <${ada.email}>: ${dollars(balance)}`);
    expect(await books.json(['billing', 'balance', '--employee', ada.email])).toMatchObject({
      employeeId: ada.id,
      balanceCents: balance,
    });
  });

  it("lists the audit log with each task's jira id, title and description", async () => {
    const audit = await adas.run(['billing', 'audit']);
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stdout).toMatch(/fee .*-\$\d+\.00 .*UP-42 Fix the beak .*It squeaks on Mondays/);
    expect(audit.stdout).toMatch(/reward .*\$\d+\.00 .*UP-42 Fix the beak/);
    const json = await adas.json(['billing', 'audit']);
    expect(json.items.map((e: { kind: string; amountCents: number }) => [e.kind, e.amountCents])).toContainEqual([
      'reward',
      task.rewardCents,
    ]);
  });

  it("does not show a worker someone else's data, and says so plainly", async () => {
    const other = await adas.run(['billing', 'audit', '--employee', bob.id]);
    expect(other.code).toBe(5);
    expect(other.message).toContain(`No account ${bob.id} that you can see`);
    const earnings = await adas.run(['billing', 'earnings']);
    expect(earnings.code).toBe(4);
    expect(earnings.message).toContain('This needs the role admin or accountant');
    expect(earnings.stderr).not.toMatch(STACK_TRACE);
  });

  it('refuses a date that is not one, with a clear message and no stack trace', async () => {
    for (const date of ['2026-02-30', '24.11.2026']) {
      const result = await adas.run(['billing', 'audit', '--date', date]);
      expect(result.code, date).toBe(2);
      expect(result.message).toMatch(/YYYY-MM-DD/);
      expect(result.stderr).not.toMatch(STACK_TRACE);
    }
  });
});

describe('ates billing earnings', () => {
  it("shows the company's fees, rewards and earnings per day", async () => {
    const earnings = await books.json(['billing', 'earnings']);
    const today = earnings.items.at(-1);
    expect(today.earningsCents).toBe(today.feesCents - today.rewardsCents);
    expect(today.rewardsCents).toBe(rewarded);
    const human = await books.run(['billing', 'earnings']);
    expect(human.stdout).toContain(`Total earnings: ${dollars(earnings.totalEarningsCents).replace('$-', '-$')}`);
  });
});

describe('ates billing close-day and payouts', () => {
  it('asks for --yes when not at a terminal, and closes nothing', async () => {
    const result = await books.run(['billing', 'close-day']);
    expect(result.code).toBe(2);
    expect(result.message).toContain('Pass --yes');
    expect((await books.json(['billing', 'payouts'])).businessDay).toBeNull();
  });

  it('pays out, prints the payouts and their total, and says where the emails went', async () => {
    const owed = (await adas.json(['billing', 'balance'])).balanceCents;
    const result = await books.run(['billing', 'close-day', '--yes']);
    expect(result.code, result.stderr).toBe(0);
    const day = /Closed business day (\d{4}-\d{2}-\d{2}): 1 payout\./.exec(result.stdout)?.[1] ?? '';
    expect(day).not.toBe('');
    expect(result.stdout).toMatch(new RegExp(`Ada Popug .*${ada.email}.*\\${dollars(owed)}`));
    expect(result.stdout).toContain(`Total paid out for ${day}: ${dollars(owed)}`);
    const outbox = join(stack.home, 'outbox');
    expect(result.stdout).toContain(`Payout emails went to ${outbox}.`);

    const payouts = await books.json(['billing', 'payouts', '--date', day]);
    expect(payouts.items).toEqual([expect.objectContaining({ employeeId: ada.id, amountCents: owed })]);
    const eml = await readFile(payouts.items[0].mail.location, 'utf8');
    expect(eml).toContain(`pays you ${dollars(owed)}`);
    expect((await adas.json(['billing', 'balance'])).balanceCents).toBe(0);

    const again = await books.json(['billing', 'close-day', '--date', day, '--yes']);
    expect(again).toMatchObject({ businessDay: day, alreadyClosed: true, payoutTotalCents: owed });
    const human = await books.run(['billing', 'close-day', '--date', day, '--yes']);
    expect(human.stdout).toContain(`Business day ${day} was already closed`);
    expect((await books.json(['billing', 'payouts'])).items).toHaveLength(1);
  });

  it('refuses a worker, and a day that has not begun', async () => {
    const worker = await adas.run(['billing', 'close-day', '--yes']);
    expect(worker.code).toBe(4);
    const future = await books.run(['billing', 'close-day', '--date', '2999-01-01', '--yes']);
    expect(future.code).toBe(6);
    expect(future.message).toContain('has not begun');
  });
});
