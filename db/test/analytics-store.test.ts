import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyticsMigrations, migrateAnalytics } from '../src/analytics/migrations.ts';
import type { AnalyticsMigration } from '../src/analytics/schema.ts';
import { type AnalyticsStore, openAnalyticsStore } from '../src/analytics/store.ts';

// chDB always runs; a real server too when CLICKHOUSE_URL is set (.ci/clickhouse.sh starts one).
const clickhouseUrl = process.env.CLICKHOUSE_URL;
delete process.env.CLICKHOUSE_URL;

interface Opened {
  store: AnalyticsStore;
  home: string;
  dispose(): Promise<void>;
}

const engines: { name: AnalyticsStore['engine']; enabled: boolean; open(home: string): Promise<Opened> }[] = [
  {
    name: 'chdb',
    enabled: true,
    async open(home) {
      const store = await openAnalyticsStore({ home });
      return { store, home, dispose: () => store.close() };
    },
  },
  {
    name: 'clickhouse',
    enabled: clickhouseUrl !== undefined,
    async open(home) {
      // A database of its own per run, so runs sharing a server never see each other's tables.
      const admin = await openAnalyticsStore({ home, url: clickhouseUrl });
      const database = `ates_test_${process.pid}_${Date.now()}`;
      await admin.command(`CREATE DATABASE ${database}`);
      const url = new URL(String(clickhouseUrl));
      url.pathname = `/${database}`;
      const store = await openAnalyticsStore({ home, url: url.href });
      const dispose = async () => {
        await store.close();
        await admin.command(`DROP DATABASE ${database}`);
        await admin.close();
      };
      return { store, home, dispose };
    },
  },
];

const EVENTS_DDL = `CREATE TABLE IF NOT EXISTS events (
  id UInt64, user String, amount Int64, at DateTime('UTC'), day Date,
  note String, tags Array(String), bonus Nullable(UInt32)
) ENGINE = MergeTree() PARTITION BY toYYYYMM(day) ORDER BY (user, id)`;

const NOTES = ['plain', "it's", 'back\\slash', 'tab\there', 'попугай 🦜', ''];
const START = Date.UTC(2024, 0, 1, 12);
const rows = Array.from({ length: 25_000 }, (_, i) => {
  const at = new Date(START + i * 37_000).toISOString();
  return {
    id: i + 1,
    user: `popug-${i % 7}`,
    amount: ((i * 7919) % 2001) - 1000,
    at: `${at.slice(0, 10)} ${at.slice(11, 19)}`,
    day: at.slice(0, 10),
    note: NOTES[i % NOTES.length] ?? '',
    tags: i % 3 ? ['a', `t${i % 5}`] : [],
    bonus: i % 4 ? i : null,
  };
});
type Event = (typeof rows)[number];

// Run on every engine; the results must be identical across engines.
const PARITY_QUERIES: { sql: string; params?: Record<string, unknown> }[] = [
  {
    sql: `SELECT user, count() AS n, sum(amount) AS total, min(amount) AS lo, max(at) AS latest,
      avg(amount) AS mean, uniqExact(note) AS notes FROM events GROUP BY user ORDER BY user`,
  },
  {
    sql: `SELECT toDate(at, {tz:String}) AS local_day, count() AS n, sumIf(amount, amount < 0) AS refunds,
      countIf(bonus IS NULL) AS no_bonus FROM events WHERE at >= {from:DateTime('UTC')}
      GROUP BY local_day ORDER BY local_day`,
    params: { tz: 'Asia/Tokyo', from: '2024-01-03 00:00:00' },
  },
  {
    sql: 'SELECT id, note, tags, bonus, day FROM events WHERE has({ids:Array(UInt64)}, id) ORDER BY id',
    params: { ids: [1, 2, 3, 4, 24_999] },
  },
  {
    sql: `SELECT count() AS n, sum(amount) AS total, avg(amount) AS mean, max(id) AS top
      FROM events WHERE user = {user:String}`,
    params: { user: 'nobody' },
  },
  { sql: 'SELECT arrayJoin(tags) AS tag, count() AS n FROM events GROUP BY tag ORDER BY tag' },
  {
    sql: `SELECT toString(toUInt64(18446744073709551615)) AS max_u64, toInt64(-9007199254740991) AS min_safe,
      1 = 1 AS yes, toDecimal64(12.5, 2) AS dec, 7 / 2 AS ratio, intDiv(7, 2) AS quotient`,
  },
];
const parityResults = new Map<string, unknown[]>();

for (const engine of engines) {
  describe.runIf(engine.enabled)(`analytics store on ${engine.name}`, () => {
    let opened: Opened;
    let store: AnalyticsStore;

    beforeAll(async () => {
      opened = await engine.open(await mkdtemp(join(tmpdir(), 'ates-analytics-')));
      store = opened.store;
    });
    afterAll(async () => {
      await opened?.dispose();
      if (opened) await rm(opened.home, { recursive: true, force: true });
    });

    it('uses the expected driver', () => {
      expect(store.engine).toBe(engine.name);
    });

    it('creates a table, and again with IF NOT EXISTS', async () => {
      await store.command(EVENTS_DDL);
      await store.command(EVENTS_DDL);
      const columns = await store.query<{ name: string; type: string }>(
        "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'events' ORDER BY name",
      );
      expect(columns).toEqual([
        { name: 'amount', type: 'Int64' },
        { name: 'at', type: "DateTime('UTC')" },
        { name: 'bonus', type: 'Nullable(UInt32)' },
        { name: 'day', type: 'Date' },
        { name: 'id', type: 'UInt64' },
        { name: 'note', type: 'String' },
        { name: 'tags', type: 'Array(String)' },
        { name: 'user', type: 'String' },
      ]);
    });

    it('inserts 25,000 rows in batches and reads them back unchanged', async () => {
      await store.insert('events', rows);
      const [stats] = await store.query<{ n: number; total: number; last: string }>(
        'SELECT count() AS n, sum(amount) AS total, max(at) AS last FROM events',
      );
      expect(stats).toEqual({
        n: 25_000,
        total: rows.reduce((sum, row) => sum + row.amount, 0),
        last: rows.at(-1)?.at,
      });
      const picked = await store.query<Event>(
        'SELECT id, user, amount, at, day, note, tags, bonus FROM events WHERE id IN (1, 2, 3, 4, 5, 6, 25000) ORDER BY id',
      );
      expect(picked).toEqual(rows.filter((row) => row.id <= 6 || row.id === 25_000));
    });

    it('binds {name:Type} parameters, quotes included', async () => {
      const text = "'; DROP TABLE events; -- \\' \\ \t\n 🦜";
      const [bound] = await store.query(
        'SELECT {s:String} AS s, {n:Int64} AS n, {big:UInt64} AS big, {none:Nullable(String)} AS none, {list:Array(String)} AS list',
        {
          s: text,
          n: -5,
          big: 9_007_199_254_740_991n,
          none: null,
          list: ["it's", 'b\\', ''],
        },
      );
      expect(bound).toEqual({ s: text, n: -5, big: 9_007_199_254_740_991, none: null, list: ["it's", 'b\\', ''] });

      const from = '2024-01-05 00:00:00';
      const mine = rows.filter((row) => row.user === 'popug-3' && row.at >= from);
      const [sums] = await store.query<{ n: number; total: number }>(
        "SELECT count() AS n, sum(amount) AS total FROM events WHERE user = {user:String} AND at >= {from:DateTime('UTC')}",
        { user: 'popug-3', from },
      );
      expect(sums).toEqual({ n: mine.length, total: mine.reduce((sum, row) => sum + row.amount, 0) });
      await expect(store.query('SELECT count() AS n FROM events', { unused: 1 })).resolves.toEqual([{ n: 25_000 }]);
    });

    it('aggregates as computed in JS', async () => {
      const byUser = await store.query<{ user: string; n: number; total: number; mean: number }>(
        'SELECT user, count() AS n, sum(amount) AS total, avg(amount) AS mean FROM events GROUP BY user ORDER BY user',
      );
      const expected = [...new Set(rows.map((row) => row.user))].sort().map((user) => {
        const mine = rows.filter((row) => row.user === user);
        const total = mine.reduce((sum, row) => sum + row.amount, 0);
        return { user, n: mine.length, total, mean: total / mine.length };
      });
      expect(byUser).toEqual(expected);
    });

    it('answers the cross-engine queries', async () => {
      const results: unknown[] = [];
      for (const { sql, params } of PARITY_QUERIES) results.push(await store.query(sql, params));
      expect(results[3]).toEqual([{ n: 0, total: 0, mean: null, top: 0 }]);
      parityResults.set(engine.name, results);
    });

    it('rejects bad statements with the engine error', async () => {
      await expect(store.query('SELEC 1')).rejects.toThrow(/Syntax error/);
      await expect(store.command('DROP TABLE no_such_table')).rejects.toThrow(/no_such_table/);
      await expect(store.insert('no_such_table', [{ id: 1 }])).rejects.toThrow(/no_such_table/);
      await expect(store.insert('events', [{ ...rows[0], typo: 1 }])).rejects.toThrow(/Unknown field/);
      await expect(store.query('SELECT {x:UInt8} AS x', {})).rejects.toThrow(/not set/);
      expect(await store.query('SELECT count() AS n FROM events')).toEqual([{ n: 25_000 }]);
    });

    it('applies each migration once', async () => {
      const daily: AnalyticsMigration = {
        id: '0002_test_daily',
        // No IF NOT EXISTS: a second application would fail.
        sql: 'CREATE TABLE daily (day Date, n UInt64) ENGINE = SummingMergeTree() ORDER BY day',
      };
      const weekly: AnalyticsMigration = {
        id: '0003_test_weekly',
        sql: 'CREATE TABLE weekly (week Date, n UInt64) ENGINE = SummingMergeTree() ORDER BY week',
      };
      const shipped = analyticsMigrations.map((migration) => migration.id);
      expect(await migrateAnalytics(store, [...analyticsMigrations, daily])).toEqual([...shipped, '0002_test_daily']);
      expect(await migrateAnalytics(store, [...analyticsMigrations, daily])).toEqual([]);
      expect(await migrateAnalytics(store, [...analyticsMigrations, daily, weekly])).toEqual(['0003_test_weekly']);
      expect(await store.query('SELECT id FROM schema_migrations ORDER BY id')).toEqual(
        [...shipped, '0002_test_daily', '0003_test_weekly'].sort().map((id) => ({ id })),
      );
    });

    it.runIf(engine.name === 'chdb')('shares an open home and refuses a second one', async () => {
      const again = await openAnalyticsStore({ home: opened.home });
      expect(await again.query('SELECT count() AS n FROM events')).toEqual([{ n: 25_000 }]);
      await again.close();
      expect(await store.query('SELECT count() AS n FROM events')).toEqual([{ n: 25_000 }]);
      const other = await mkdtemp(join(tmpdir(), 'ates-analytics-'));
      await expect(openAnalyticsStore({ home: other })).rejects.toThrow(/only one active data directory/);
      await rm(other, { recursive: true, force: true });
    });
  });
}

describe.runIf(clickhouseUrl !== undefined)('chDB and ClickHouse', () => {
  it('return identical results for the same queries', () => {
    expect(parityResults.get('chdb')).toBeDefined();
    expect(parityResults.get('clickhouse')).toStrictEqual(parityResults.get('chdb'));
  });

  it('a URL selects the ClickHouse driver', async () => {
    const store = await openAnalyticsStore({ home: tmpdir(), url: clickhouseUrl });
    expect(store.engine).toBe('clickhouse');
    await store.close();
  });
});
