import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, type TestAnalytics, testAnalytics } from '../../../test/support/analytics-engines.ts';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { STACK_TRACE, type Terminal, terminal } from '../identity/support.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read --json output field by field and assert on them
type Json = any;

let place: TestAnalytics;
let stack: TestStack;
let admin: Terminal;
let manager: Terminal;
let closedDay: string;

async function login(as: SignedIn): Promise<Terminal> {
  const term = await terminal(stack.apiUrl);
  const result = await term.run(['login', '--email', as.email], { ATES_PASSWORD: as.password });
  expect(result.code, result.stderr).toBe(0);
  return term;
}

const api = async (path: string): Promise<Json> => (await stack.call('GET', path, { as: stack.admin })).body;

beforeAll(async () => {
  // ClickHouse when there is one (a database of this file's own), else chDB.
  place = await testAnalytics(ENGINES.at(-1) ?? 'chdb');
  stack = await startTestStack({ clickhouseUrl: place.url });
  const boss = await stack.signUp('manager');
  const accountant = await stack.signUp('accountant');
  const people = new Map([[accountant.id, accountant]]);
  for (const name of ['Ada Popug', 'Bob Popug']) {
    const worker = await stack.signUp('worker', name);
    people.set(worker.id, worker);
  }
  await stack.settle();
  for (let i = 0; i < 8; i++) {
    const created = await stack.call('POST', '/v1/tasks', {
      as: boss,
      body: { title: `Feed the parrots ${i}`, jiraId: `UP-${i + 1}` },
    });
    if (i % 2 === 0)
      await stack.call('POST', `/v1/tasks/${created.body.id}/complete`, { as: people.get(created.body.assigneeId) });
  }
  await stack.settle();
  closedDay = (await stack.call('POST', '/v1/business-days/close', { as: accountant, body: {} })).body.businessDay;
  await stack.settle();
  admin = await login(stack.admin);
  manager = await login(boss);
});

afterAll(async () => {
  await admin?.close();
  await manager?.close();
  await stack?.stop();
  await place?.dispose();
});

describe('ates report', () => {
  it("summary shows today's management earnings and the employees in the negative", async () => {
    const expected = await api('/v1/reports/summary');
    expect(await admin.json(['report', 'summary'])).toEqual(expected);
    const shown = await admin.run(['report', 'summary']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`Today, ${expected.businessDay} (UTC)`);
    expect(shown.stdout).toMatch(new RegExp(`Employees in the negative: ${expected.employeesInNegative}\\b`));
  });

  it('earnings draws a bar per business day', async () => {
    const expected = await api(`/v1/reports/earnings?from=${closedDay}&to=${closedDay}`);
    expect(await admin.json(['report', 'earnings', '--from', closedDay, '--to', closedDay])).toEqual(expected);
    const shown = await admin.run(['report', 'earnings', '--to', closedDay]);
    expect(shown.code, shown.stderr).toBe(0);
    const bars = shown.stdout.split('\n').filter((line) => line.includes('│'));
    expect(bars).toHaveLength(14);
    const today = bars.at(-1) ?? '';
    const earned = expected.items[0].managementEarningsCents;
    expect(today.startsWith(closedDay)).toBe(true);
    expect(today).toContain(earned > 0 ? '█' : earned < 0 ? '▒' : '│');
    expect(shown.stdout).toContain('Total over 14 days');
  });

  it('top-tasks ranks the completed tasks of a period, and refuses mixed periods', async () => {
    const expected = await api('/v1/reports/top-tasks?period=week&limit=3');
    expect(expected.items.length).toBeGreaterThan(0);
    expect(await admin.json(['report', 'top-tasks', '--period', 'week', '--limit', '3'])).toEqual(expected);
    const shown = await admin.run(['report', 'top-tasks', '--period', 'week']);
    expect(shown.stdout).toContain(expected.items[0].title);
    const mixed = await admin.run([
      'report',
      'top-tasks',
      '--period',
      'week',
      '--from',
      '2026-01-01',
      '--to',
      '2026-01-02',
    ]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).not.toMatch(STACK_TRACE);
    const badDay = await admin.run(['report', 'top-tasks', '--date', '2026-02-30']);
    expect(badDay.code).toBe(2);
    expect(badDay.message).toContain('calendar date');
  });

  it('audit lists every entry of a day, page after page with --all', async () => {
    const expected = await api(`/v1/reports/audit?date=${closedDay}&limit=1000`);
    expect(expected.items.length).toBeGreaterThan(3);
    const all = await admin.json(['report', 'audit', '--date', closedDay, '--limit', '2', '--all']);
    expect(all.items).toEqual(expected.items);
    const first = await admin.run(['report', 'audit', '--date', closedDay, '--limit', '2']);
    expect(first.stdout).toContain('More: add --cursor');
  });

  it('payouts lists the payouts of the closed day with their total', async () => {
    const expected = await api(`/v1/reports/payouts?date=${closedDay}`);
    // Without --date: the last day that paid anyone, if any did.
    const latest = expected.items.length > 0 ? expected : { ...expected, businessDay: null };
    expect(await admin.json(['report', 'payouts'])).toEqual(latest);
    const shown = await admin.run(['report', 'payouts', '--date', closedDay]);
    expect(shown.code, shown.stderr).toBe(0);
    for (const payout of expected.items) expect(shown.stdout).toContain(payout.fullName);
  });

  it('tells a manager that reports are for admins, with the forbidden exit code', async () => {
    const refused = await manager.run(['report', 'summary']);
    expect(refused.code).toBe(4);
    expect(refused.message).toContain('admin');
    expect(refused.stderr).not.toMatch(STACK_TRACE);
  });
});

describe('ates analytics', () => {
  it('rebuild asks for --yes away from a terminal, then replays the log to the same reports', async () => {
    const refused = await admin.run(['analytics', 'rebuild']);
    expect(refused.code).toBe(2);
    expect(refused.message).toContain('--yes');
    const before = await api(`/v1/reports/audit?date=${closedDay}&limit=1000`);
    const rebuilt = await admin.json(['analytics', 'rebuild', '--yes']);
    expect(rebuilt).toMatchObject({ state: 'done', error: null });
    expect(rebuilt.done).toBe(rebuilt.total);
    expect(await api(`/v1/reports/audit?date=${closedDay}&limit=1000`)).toEqual(before);
    const shown = await admin.run(['analytics', 'rebuild', '--yes']);
    expect(shown.stdout).toContain(`Rebuilt the analytics store from ${rebuilt.done} events`);
  });

  it('verify says the read side agrees with the ledger, and exits 1 naming a day that does not', async () => {
    const agrees = await admin.run(['analytics', 'verify']);
    expect(agrees.code, agrees.stderr).toBe(0);
    expect(agrees.stdout).toContain('agrees with the ledger');
    await stack.runtime.analytics.insert('ledger_entries', [
      {
        event_id: '00000000-0000-4000-8000-000000000002',
        kind: 'credit',
        transaction_id: 'never-posted',
        task_id: null,
        employee_id: 'nobody',
        amount: 2500,
        at_ms: Date.now(),
        business_day: closedDay,
      },
    ]);
    const differs = await admin.run(['analytics', 'verify']);
    expect(differs.code).toBe(1);
    expect(differs.stdout).toContain(closedDay);
    expect(differs.stdout).toContain('ates analytics rebuild');
    await admin.json(['analytics', 'rebuild', '--yes']);
  });
});
