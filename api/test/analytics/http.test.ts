import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, type TestAnalytics, testAnalytics } from '../../../test/support/analytics-engines.ts';
import { seeded } from '../../../test/support/seeded.ts';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';
import type { Task } from '../../src/tasks/schemas.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies field by field and assert on them
type Json = any;

const REPORTS = [
  '/v1/reports/summary',
  '/v1/reports/earnings',
  '/v1/reports/top-tasks',
  '/v1/reports/audit',
  '/v1/reports/payouts',
];

describe.each(ENGINES)('analytics over HTTP on %s', (engine) => {
  let place: TestAnalytics;
  let stack: TestStack;
  let manager: SignedIn;
  let accountant: SignedIn;
  let worker: SignedIn;
  const assignable = new Map<string, SignedIn>();

  const get = async (path: string, as: SignedIn = stack.admin): Promise<Json> => {
    const response = await stack.call('GET', path, { as });
    expect(response.status, `GET ${path}: ${JSON.stringify(response.body)}`).toBe(200);
    return response.body;
  };

  /** Every report, for every business day the ledger has, as the admin sees them. */
  async function everyReport(days: string[]) {
    const range = `from=${days[0]}&to=${days.at(-1)}`;
    return {
      earnings: await get(`/v1/reports/earnings?${range}`),
      top: await get(`/v1/reports/top-tasks?${range}&limit=100`),
      audits: await Promise.all(days.map((day) => get(`/v1/reports/audit?date=${day}&limit=1000`))),
      payouts: await Promise.all(days.map((day) => get(`/v1/reports/payouts?date=${day}`))),
      summary: await get('/v1/reports/summary'),
    };
  }

  async function rebuild(): Promise<Json> {
    const started = await stack.call('POST', '/v1/analytics/rebuild', { as: stack.admin });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ state: 'running', finishedAt: null });
    for (;;) {
      const status = await get(`/v1/analytics/rebuild/${started.body.id}`);
      if (status.state !== 'running') return status;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  beforeAll(async () => {
    place = await testAnalytics(engine);
    stack = await startTestStack({ clickhouseUrl: place.url });
    manager = await stack.signUp('manager');
    accountant = await stack.signUp('accountant');
    worker = await stack.signUp('worker');
    assignable.set(accountant.id, accountant).set(worker.id, worker);
    for (let i = 0; i < 3; i++) {
      const another = await stack.signUp('worker');
      assignable.set(another.id, another);
    }
    await stack.settle();
  });

  afterAll(async () => {
    await stack?.stop();
    await place?.dispose();
  });

  it('answers 403 to a worker, an accountant and a manager on every analytics route, 401 to nobody', async () => {
    const routes: [string, string][] = [
      ...REPORTS.map((path): [string, string] => ['GET', path]),
      ['GET', '/v1/reports/top-tasks?period=week&limit=3'],
      ['GET', '/v1/reports/earnings?from=2026-13-01'],
      ['POST', '/v1/analytics/rebuild'],
      ['GET', '/v1/analytics/rebuild/5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d'],
      ['GET', '/v1/analytics/verify'],
    ];
    for (const [method, path] of routes) {
      for (const as of [worker, accountant, manager]) {
        const response = await stack.call(method, path, { as });
        expect(response.status, `${as.role} ${method} ${path}`).toBe(403);
        expect(response.headers.get('content-type')).toContain('application/problem+json');
      }
      expect((await stack.call(method, path)).status, `anonymous ${method} ${path}`).toBe(401);
    }
    for (const path of REPORTS) expect((await stack.call('GET', path, { as: stack.admin })).status).toBe(200);
    expect((await stack.call('GET', '/v1/analytics/verify', { as: stack.admin })).status).toBe(200);
  });

  it('documents every analytics route in the OpenAPI description', async () => {
    const { body } = await stack.call('GET', '/openapi.json');
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        ...REPORTS,
        '/v1/analytics/rebuild',
        '/v1/analytics/rebuild/{id}',
        '/v1/analytics/verify',
      ]),
    );
    expect(body.paths['/v1/reports/top-tasks'].get.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/TopTasks',
    });
  });

  it('refuses bad report queries with a 400 problem', async () => {
    for (const path of [
      '/v1/reports/earnings?from=2026-02-30',
      '/v1/reports/earnings?from=2026-03-02&to=2026-03-01',
      '/v1/reports/earnings?from=2024-01-01&to=2026-01-01',
      '/v1/reports/top-tasks?period=year',
      '/v1/reports/top-tasks?period=week&from=2026-01-01&to=2026-01-02',
      '/v1/reports/top-tasks?from=2026-01-01',
      '/v1/reports/top-tasks?limit=0',
      '/v1/reports/audit?cursor=abc',
      '/v1/reports/payouts?date=yesterday&extra=1',
    ]) {
      const response = await stack.call('GET', path, { as: stack.admin });
      expect(response.status, path).toBe(400);
      expect(response.body.detail, path).toEqual(expect.any(String));
    }
  });

  it('agrees with the ledger after a random workload and a close, and a rebuild changes nothing', async () => {
    const random = seeded(42);
    const creators = [stack.admin, manager, accountant, worker];
    const open: Task[] = [];
    const workload = async (tasks: number) => {
      for (let i = 0; i < tasks; i++) {
        const as = creators[i % creators.length] as SignedIn;
        const body =
          i % 4 === 0 ? { title: `[UP-${i + 1}] - Legacy ${i}` } : { title: `Task ${i}`, description: `About ${i}` };
        const created = await stack.call('POST', '/v1/tasks', { as, body });
        expect(created.status).toBe(201);
        open.push(created.body);
      }
      const reassigned = await stack.call('POST', '/v1/tasks/reassign', { as: manager });
      expect(reassigned.status).toBe(200);
      for (const task of [...open]) {
        if (random() < 0.5) continue;
        const { body: now } = await stack.call('GET', `/v1/tasks/${task.id}`, { as: stack.admin });
        const done = await stack.call('POST', `/v1/tasks/${task.id}/complete`, { as: assignable.get(now.assigneeId) });
        expect(done.status).toBe(200);
        open.splice(open.indexOf(task), 1);
      }
    };

    await workload(14);
    await stack.settle();
    const closed = await stack.call('POST', '/v1/business-days/close', { as: accountant, body: {} });
    expect(closed.status).toBe(200);
    await workload(8);
    await stack.settle();

    const ledger = (await get(`/v1/earnings?from=${closed.body.businessDay}`, accountant)) as Json;
    const days: string[] = ledger.items.map((day: Json) => day.businessDay);
    expect(days.length).toBeGreaterThanOrEqual(2);
    const reports = await everyReport(days);

    expect(reports.earnings.items).toEqual(
      ledger.items.map((day: Json, i: number) => ({
        businessDay: day.businessDay,
        feesCents: day.feesCents,
        rewardsCents: day.rewardsCents,
        managementEarningsCents: day.earningsCents,
        payoutsCents: reports.payouts[i].totalCents,
      })),
    );
    expect(ledger.items.some((day: Json) => day.feesCents > 0 && day.rewardsCents > 0)).toBe(true);

    const balances: number[] = [];
    for (const id of assignable.keys()) balances.push((await get(`/v1/accounts/${id}`)).balanceCents);
    expect(reports.summary.employeesInNegative).toBe(balances.filter((balance) => balance < 0).length);
    const todayInLedger = ledger.items.find((day: Json) => day.businessDay === reports.summary.businessDay);
    expect(reports.summary.managementEarningsCents).toBe(todayInLedger?.earningsCents ?? 0);

    const ledgerPayouts = await get(`/v1/payouts?date=${closed.body.businessDay}`, accountant);
    const payoutsByEmployee = (list: Json[]) =>
      Object.fromEntries(list.map((p: Json) => [p.employeeId, [p.amountCents, p.transactionId, p.paidAt]]));
    expect(payoutsByEmployee(reports.payouts[0].items)).toEqual(payoutsByEmployee(ledgerPayouts.items));
    expect(reports.payouts[0].items.length).toBe(closed.body.payoutCount);

    for (const [i, day] of days.entries()) {
      const ledgerEntries: Json[] = [];
      for (const id of assignable.keys())
        ledgerEntries.push(...(await get(`/v1/accounts/${id}/audit?date=${day}&limit=1000`)).items);
      const asEntry = (e: Json) => [e.transactionId, e.amountCents, e.at, e.taskId, e.jiraId, e.title, e.description];
      const sort = (rows: Json[][]) => rows.sort((a, b) => String(a[0]).localeCompare(String(b[0])));
      expect(sort(reports.audits[i].items.map(asEntry))).toEqual(sort(ledgerEntries.map(asEntry)));
    }

    const done = (await get('/v1/tasks?status=done&limit=200')).items as Task[];
    const expectedTop = done
      .filter(
        (t) =>
          t.completedAt &&
          t.completedAt.slice(0, 10) >= (days[0] ?? '') &&
          t.completedAt.slice(0, 10) <= (days.at(-1) ?? ''),
      )
      .sort(
        (a, b) =>
          b.rewardCents - a.rewardCents ||
          String(a.completedAt).localeCompare(String(b.completedAt)) ||
          a.id.localeCompare(b.id),
      )
      .map((t) => ({
        taskId: t.id,
        rewardCents: t.rewardCents,
        completedAt: t.completedAt,
        title: t.title,
        jiraId: t.jiraId,
      }));
    expect(
      reports.top.items.map(({ taskId, rewardCents, completedAt, title, jiraId }: Json) => ({
        taskId,
        rewardCents,
        completedAt,
        title,
        jiraId,
      })),
    ).toEqual(expectedTop);

    const verified = await get(`/v1/analytics/verify?from=${days[0]}&to=${days.at(-1)}`);
    expect(verified).toMatchObject({ agrees: true, differences: [], daysCompared: days.length });

    const status = await rebuild();
    expect(status).toMatchObject({ state: 'done', error: null, rejected: 0 });
    expect(status.done).toBe(status.total);
    expect(status.total).toBeGreaterThan(0);
    expect(await everyReport(days)).toEqual(reports);
  });

  it('verify names the days where the read side and the ledger differ, and a rebuild mends them', async () => {
    const day = (await get('/v1/earnings', accountant)).items.at(-1).businessDay as string;
    await stack.runtime.analytics.insert('ledger_entries', [
      {
        event_id: '00000000-0000-4000-8000-000000000001',
        kind: 'debit',
        transaction_id: 'a-posting-the-ledger-never-made',
        task_id: null,
        employee_id: worker.id,
        amount: 700,
        at_ms: Date.now(),
        business_day: day,
      },
    ]);
    const verified = await get(`/v1/analytics/verify?to=${day}`);
    const ledgerDay = (await get(`/v1/earnings?from=${day}&to=${day}`, accountant)).items[0];
    expect(verified.agrees).toBe(false);
    expect(verified.differences).toEqual([
      {
        businessDay: day,
        analytics: {
          feesCents: ledgerDay.feesCents + 700,
          rewardsCents: ledgerDay.rewardsCents,
          managementEarningsCents: ledgerDay.earningsCents + 700,
        },
        ledger: {
          feesCents: ledgerDay.feesCents,
          rewardsCents: ledgerDay.rewardsCents,
          managementEarningsCents: ledgerDay.earningsCents,
        },
      },
    ]);
    expect((await rebuild()).state).toBe('done');
    expect(await get(`/v1/analytics/verify?to=${day}`)).toMatchObject({ agrees: true, differences: [] });
  });

  it('runs one rebuild at a time, across API processes too, and any process reports it', async () => {
    const elsewhere = '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d';
    await stack.runtime.conn.db.execute(sql`
      insert into analytics.rebuilds (id, state, leased_until) values (${elsewhere}, 'running', now() + interval '1 hour')`);
    const refused = await stack.call('POST', '/v1/analytics/rebuild', { as: stack.admin });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain(elsewhere);
    expect(await get(`/v1/analytics/rebuild/${elsewhere}`)).toMatchObject({ id: elsewhere, state: 'running' });
    await stack.runtime.conn.db.execute(sql`delete from analytics.rebuilds where id = ${elsewhere}`);
    expect((await stack.call('GET', `/v1/analytics/rebuild/${elsewhere}`, { as: stack.admin })).status).toBe(404);
  });
});
