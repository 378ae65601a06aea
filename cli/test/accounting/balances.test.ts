import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { EXIT } from '../../src/base-command.ts';
import type { Schema } from '../../src/client.ts';
import { STACK_TRACE, type Terminal, terminal } from '../identity/support.ts';

let stack: TestStack;
let term: Terminal;
let accountant: SignedIn;
let manager: SignedIn;

const tokenOf = (as: SignedIn) => ({ ATES_TOKEN: as.headers.authorization?.slice(7) ?? '' });

beforeAll(async () => {
  stack = await startTestStack();
  term = await terminal(stack.apiUrl);
  accountant = await stack.signUp('accountant', 'Alma Accountant');
  manager = await stack.signUp('manager', 'Mona Manager');
  const workers = [await stack.signUp('worker', 'Bea Worker'), await stack.signUp('worker', 'Cid Worker')];
  await stack.settle();
  const people = new Map([accountant, ...workers].map((p) => [p.id, p]));
  for (let i = 0; i < 6; i++) {
    const { body: task } = await stack.call('POST', '/v1/tasks', { as: manager, body: { title: `Job ${i}` } });
    if (i % 2 === 0) await stack.call('POST', `/v1/tasks/${task.id}/complete`, { as: people.get(task.assigneeId) });
  }
  // Rewards can outweigh every fee by chance; an open task charges its fee and pays nothing yet, so
  // more of them put someone in debt, which the --negative listing needs.
  for (let chore = 0; chore < 40; chore++) {
    await stack.settle();
    const { body } = await stack.call('GET', '/v1/accounts?balance=negative', { as: accountant });
    if (body.items.length > 0) break;
    await stack.call('POST', '/v1/tasks', { as: manager, body: { title: `Chore ${chore}` } });
  }
});

afterAll(async () => {
  await term?.close();
  await stack?.stop();
});

vi.setConfig({ testTimeout: 300_000 });

describe('ates billing balances', () => {
  it('shows what GET /v1/accounts answers, as a table with totals and as JSON', async () => {
    const { body: api } = await stack.call('GET', '/v1/accounts?balance=negative&sort=balance', {
      as: accountant,
    });
    const json = await term.json<Schema<'AccountList'>>(
      ['billing', 'balances', '--negative', '--sort', 'balance'],
      tokenOf(accountant),
    );
    expect(json).toEqual(api);
    expect(json.items.length).toBeGreaterThan(0);

    const shown = await term.run(['billing', 'balances', '--sort', 'balance', '--order', 'desc'], tokenOf(stack.admin));
    expect(shown.code, shown.stderr).toBe(0);
    const { body: all } = await stack.call('GET', '/v1/accounts', { as: accountant });
    for (const account of all.items) expect(shown.stdout).toContain(account.fullName as string);
    expect(shown.stdout).toContain(`${all.totals.count} accounts:`);
  });

  it('exits 4 for a manager and 2 for a bad flag', async () => {
    const refused = await term.run(['billing', 'balances'], tokenOf(manager));
    expect(refused.code).toBe(EXIT.forbidden);
    expect(refused.stderr).not.toMatch(STACK_TRACE);
    const bad = await term.run(['billing', 'balances', '--negative', '--positive'], tokenOf(accountant));
    expect(bad.code).toBe(EXIT.badInput);
  });
});
