import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';
import type { Account } from '../../src/accounting/schemas.ts';

let stack: TestStack;
let accountant: SignedIn;
let manager: SignedIn;
let workers: SignedIn[];
/** Every employee account, as GET /v1/accounts/{id} answers it one by one. */
let expected: Account[];

const list = (query: string, as: SignedIn = accountant) => stack.call('GET', `/v1/accounts?${query}`, { as });

/** Every page of a listing, followed through its cursors. */
async function allPages(query: string): Promise<Account[]> {
  const items: Account[] = [];
  let cursor: string | null = null;
  do {
    const { status, body } = await list(`${query}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(status).toBe(200);
    items.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return items;
}

const byName = (a: Account, b: Account) =>
  (a.fullName ?? '').localeCompare(b.fullName ?? '', 'en') || a.employeeId.localeCompare(b.employeeId);

beforeAll(async () => {
  stack = await startTestStack();
  accountant = await stack.signUp('accountant', 'Alma Accountant');
  manager = await stack.signUp('manager', 'Mona Manager');
  workers = [];
  for (const name of ['Bea Worker', 'Cid Worker', 'Dot Worker', 'Eve Worker']) {
    workers.push(await stack.signUp('worker', name));
  }
  await stack.settle();
  const people = new Map([accountant, ...workers].map((p) => [p.id, p]));
  for (let i = 0; i < 12; i++) {
    const { body: task } = await stack.call('POST', '/v1/tasks', { as: manager, body: { title: `Job ${i}` } });
    if (i % 3 === 0) await stack.call('POST', `/v1/tasks/${task.id}/complete`, { as: people.get(task.assigneeId) });
  }
  await stack.settle();
  const { body: everyone } = await stack.call('GET', '/v1/employees?limit=200', { as: stack.admin });
  expected = [];
  for (const employee of everyone.items) {
    const { status, body } = await stack.call('GET', `/v1/accounts/${employee.id}`, { as: stack.admin });
    if (status === 200) expected.push(body);
  }
  expect(expected.some((a) => a.balanceCents < 0)).toBe(true);
});

afterAll(async () => {
  await stack.stop();
});

describe('GET /v1/accounts', () => {
  it('is for admins and accountants; managers and workers get 403, nobody signed in 401', async () => {
    expect((await list('', stack.admin)).status).toBe(200);
    expect((await list('', accountant)).status).toBe(200);
    for (const as of [manager, workers[0] as SignedIn]) {
      const response = await list('', as);
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await stack.call('GET', '/v1/accounts')).status).toBe(401);
  });

  it('lists every employee account by name, with the balances each account shows and totals', async () => {
    const { body } = await list('');
    expect(body.items).toEqual([...expected].sort(byName));
    expect(body.nextCursor).toBeNull();
    const sum = (keep: (cents: number) => boolean) =>
      expected
        .map((a) => a.balanceCents)
        .filter(keep)
        .reduce((s, c) => s + c, 0);
    expect(body.totals).toEqual({
      count: expected.length,
      positiveCents: sum((c) => c > 0),
      negativeCents: sum((c) => c < 0),
    });
  });

  it('sorts by balance either way, filters to negative or positive balances, and pages every account once', async () => {
    const ascending = await allPages('sort=balance&limit=2');
    expect(ascending.map((a) => a.balanceCents)).toEqual(expected.map((a) => a.balanceCents).sort((a, b) => a - b));
    expect(ascending.map((a) => a.employeeId).sort()).toEqual(expected.map((a) => a.employeeId).sort());
    const descending = await allPages('sort=balance&order=desc&limit=3');
    expect(descending.map((a) => a.balanceCents)).toEqual(ascending.map((a) => a.balanceCents).reverse());
    expect(await allPages('sort=name&order=desc&limit=1')).toEqual([...expected].sort(byName).reverse());

    const negative = await list('balance=negative&sort=balance');
    expect(negative.body.items).toEqual(ascending.filter((a) => a.balanceCents < 0));
    expect(negative.body.totals).toMatchObject({ count: negative.body.items.length, positiveCents: 0 });
    const positive = await allPages('balance=positive&limit=1');
    expect(positive.every((a) => a.balanceCents > 0)).toBe(true);
    expect(positive.length).toBe(expected.filter((a) => a.balanceCents > 0).length);
  });

  it('refuses bad queries with a 400 problem', async () => {
    const { body: page } = await list('limit=1');
    const nameCursor = page.nextCursor as string;
    const queries = [
      'sort=height',
      'order=up',
      'balance=zero',
      'limit=0',
      'limit=1001',
      'limit=lots',
      'cursor=!!',
      'cursor=a%00b',
      `cursor=${Buffer.from('"x"').toString('base64url')}`,
      `cursor=${Buffer.from('["\\u0000","x"]').toString('base64url')}`,
      `sort=balance&cursor=${nameCursor}`,
      'colour=blue',
    ];
    for (const query of queries) {
      const response = await list(query);
      expect(response.status, query).toBe(400);
      expect(response.body.detail, query).toEqual(expect.any(String));
    }
  });
});
