import { connectPostgres, type PostgresConnection } from '@ates/db';
import {
  type AnalyticsStore,
  projectEvents,
  projectionHandler,
  READ_SIDE_TABLES,
  rebuildReadSide,
} from '@ates/db/analytics';
import { type Envelope, EventBus, PROJECTION_CONSUMER } from '@ates/db/bus';
import { createTestDatabase } from '@ates/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ENGINES, openTestStore } from '../../../test/support/analytics-engines.ts';
import { periodOf } from '../../src/analytics/period.ts';
import { auditLog, earningsByDay, payoutsOf, summary, topTasks } from '../../src/analytics/reports.ts';
import {
  DAYS,
  expectedAudit,
  expectedEarnings,
  expectedInNegative,
  expectedPayouts,
  expectedTopTasks,
  type History,
  randomHistory,
  recordEventIds,
  TIME_ZONE,
} from './history.ts';

const SEED = Number(process.env.ANALYTICS_SEED ?? 20_240_308);

/** Every report over every day of the history, in one object, to compare before and after. */
async function everyReport(store: AnalyticsStore) {
  const range = { from: DAYS[0] as string, to: DAYS.at(-1) as string };
  return {
    earnings: await earningsByDay(store, range),
    summary: await summary(store, range.to),
    top: await topTasks(store, range, TIME_ZONE, 100),
    audits: await Promise.all(DAYS.map((day) => auditLog(store, day, { limit: 1_000 }))),
    payouts: await Promise.all(DAYS.map((day) => payoutsOf(store, day))),
  };
}

describe.each(ENGINES)('analytics reports on %s', (engine) => {
  let conn: PostgresConnection;
  let bus: EventBus;
  let store: AnalyticsStore;
  let closeStore: () => Promise<void>;
  let history: History;
  const published: Envelope[] = [];
  /** What the projection was handed: upcast, as a redelivery would hand it again. */
  const delivered: Envelope[] = [];

  beforeAll(async () => {
    ({ store, close: closeStore } = await openTestStore(engine));
    const url = await createTestDatabase(inject('postgresUrl'));
    conn = connectPostgres(url);
    bus = new EventBus(url, conn.db, { retryLimit: 1, retryDelaySeconds: 1 });
    await bus.start();
    const project = projectionHandler(store);
    await bus.subscribe(PROJECTION_CONSUMER, async (tx, events) => {
      await project(tx, events);
      delivered.push(...events);
    });
    history = randomHistory(SEED);
    for (const batch of history.batches) {
      published.push(...(await conn.db.transaction((tx) => bus.publish(tx, 'test', batch))));
    }
    recordEventIds(history.model, published);
    await bus.settle([PROJECTION_CONSUMER]);
  });

  afterAll(async () => {
    await bus?.stop();
    await conn?.close();
    await closeStore?.();
  });

  it('gives management earnings and payouts per business day as the ledger events add up', async () => {
    const range = { from: '2024-03-07', to: '2024-03-13' };
    const expected = expectedEarnings(history.model, ['2024-03-07', ...DAYS, '2024-03-13']);
    expect(await earningsByDay(store, range)).toEqual(expected);
    expect(
      expected.some((day) => day.managementEarningsCents < 0) ||
        expected.some((day) => day.managementEarningsCents > 0),
    ).toBe(true);
  });

  it("sums up a day: its earnings and how many employees' balances are below zero", async () => {
    const day = DAYS[2] as string;
    const [earnings] = expectedEarnings(history.model, [day]);
    expect(await summary(store, day)).toEqual({ ...earnings, employeesInNegative: expectedInNegative(history.model) });
  });

  it('ranks the most expensive tasks of a day, a week, a month or a range in the business time zone', async () => {
    const ranges = [
      ...DAYS.map((day) => periodOf('day', day)),
      periodOf('week', '2024-03-10'),
      periodOf('week', '2024-03-11'),
      periodOf('month', '2024-03-20'),
      { from: '2024-03-09', to: '2024-03-11' },
      { from: '2024-04-01', to: '2024-04-30' },
    ];
    for (const range of ranges) {
      for (const limit of [1, 5, 100]) {
        expect(await topTasks(store, range, TIME_ZONE, limit), `${range.from}..${range.to} top ${limit}`).toEqual(
          expectedTopTasks(history.model, range.from, range.to, limit),
        );
      }
    }
    const week = await topTasks(store, periodOf('week', '2024-03-12'), TIME_ZONE, 100);
    expect(week.length).toBeGreaterThan(5);
    expect(week.some((task) => task.jiraId !== null && !task.title.includes('['))).toBe(true);
  });

  it('counts a completion in the local day it happened, not the UTC one', async () => {
    const [first] = history.model.completions.filter((c) => new Date(c.atMs).toISOString().slice(11, 13) < '05');
    expect(first).toBeDefined();
    const utcDay = new Date(first?.atMs ?? 0).toISOString().slice(0, 10);
    const inUtc = await topTasks(store, { from: utcDay, to: utcDay }, 'UTC', 100);
    const inNewYork = await topTasks(store, { from: utcDay, to: utcDay }, TIME_ZONE, 100);
    expect(inUtc.map((t) => t.taskId)).toContain(first?.taskId);
    expect(inNewYork.map((t) => t.taskId)).not.toContain(first?.taskId);
  });

  it("lists a day's audit log with names and task details, page by page", async () => {
    for (const day of DAYS) {
      const expected = expectedAudit(history.model, day);
      const pages: unknown[] = [];
      let after: Parameters<typeof auditLog>[2]['after'];
      do {
        const page = await auditLog(store, day, { limit: 7, after });
        expect(page.items.length).toBeLessThanOrEqual(7);
        pages.push(...page.items);
        after = page.next ?? undefined;
      } while (after);
      expect(pages).toEqual(expected);
    }
    const renamed = (await auditLog(store, DAYS[0] as string, { limit: 1_000 })).items.filter(
      (e) => e.fullName === 'Kesha Renamed',
    );
    expect(renamed.length).toBeGreaterThan(0);
  });

  it("lists a day's payouts, largest first", async () => {
    for (const day of DAYS) expect(await payoutsOf(store, day)).toEqual(expectedPayouts(history.model, day));
    expect((await payoutsOf(store, DAYS[0] as string)).length).toBeGreaterThan(0);
  });

  it('counts every event once when deliveries are written again (a crash before the inbox committed)', async () => {
    const before = await everyReport(store);
    // Merges would drop the copies sooner or later; the reports must not wait for them.
    for (const table of READ_SIDE_TABLES) await store.command(`SYSTEM STOP MERGES ${table}`);
    try {
      await projectEvents(store, delivered);
      await projectEvents(
        store,
        delivered.filter((_, i) => i % 3 === 0),
      );
      const [rows] = await store.query<{ n: number; distinct: number }>(
        'SELECT count() AS n, uniqExact(event_id) AS distinct FROM task_completions',
      );
      expect(rows?.n).toBeGreaterThan(2 * (rows?.distinct ?? 0));
      expect(await everyReport(store)).toEqual(before);
      const [from, to] = [DAYS[0] as string, DAYS.at(-1) as string];
      for (const limit of [1, 2, 3, 5, 8]) {
        expect(await topTasks(store, { from, to }, TIME_ZONE, limit)).toEqual(
          expectedTopTasks(history.model, from, to, limit),
        );
      }
    } finally {
      for (const table of READ_SIDE_TABLES) await store.command(`SYSTEM START MERGES ${table}`);
    }
  });

  it('rebuilds the read side from the event log to the very same reports', async () => {
    const before = await everyReport(store);
    const progress: [number, number][] = [];
    const result = await rebuildReadSide(conn.db, bus, store, {
      onProgress: ({ done, total }) => {
        progress.push([done, total]);
      },
    });
    const projected = published.length;
    expect(result).toEqual({ delivered: projected, rejected: 0 });
    expect(progress.at(-1)).toEqual([projected, projected]);
    const [rows] = await store.query<{ n: number }>('SELECT count() AS n FROM ledger_entries');
    expect(rows?.n).toBe(history.model.entries.length);
    expect(await everyReport(store)).toEqual(before);
  });
});
