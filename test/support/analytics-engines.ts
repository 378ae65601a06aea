import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AnalyticsStore, migrateAnalytics, openAnalyticsStore } from '@ates/db/analytics';

// chDB always; a real ClickHouse server too when CLICKHOUSE_URL is set (.ci/clickhouse.sh starts
// one). Read once and cleared, so a store opened without a URL is chDB.
const clickhouseUrl = process.env.CLICKHOUSE_URL;
delete process.env.CLICKHOUSE_URL;

export type EngineName = AnalyticsStore['engine'];

/** The engines the analytics suites run on here. */
export const ENGINES: EngineName[] = clickhouseUrl ? ['chdb', 'clickhouse'] : ['chdb'];

export interface TestAnalytics {
  /** For a runtime: the ClickHouse URL of a database of this test's own, or undefined for chDB. */
  url: string | undefined;
  /** Drops the ClickHouse database (chDB's folder goes with the caller's home). */
  dispose(): Promise<void>;
}

/** A fresh place for the read side: a database of its own on the server, so parallel files never collide. */
export async function testAnalytics(engine: EngineName): Promise<TestAnalytics> {
  if (engine === 'chdb') return { url: undefined, dispose: async () => {} };
  const admin = await openAnalyticsStore({ home: tmpdir(), url: clickhouseUrl });
  const database = `ates_analytics_${randomBytes(6).toString('hex')}`;
  await admin.command(`CREATE DATABASE ${database}`);
  const url = new URL(String(clickhouseUrl));
  url.pathname = `/${database}`;
  return {
    url: url.href,
    async dispose() {
      await admin.command(`DROP DATABASE IF EXISTS ${database}`);
      await admin.close();
    },
  };
}

/** A migrated analytics store on `engine`; `close()` removes everything it created. */
export async function openTestStore(engine: EngineName): Promise<{ store: AnalyticsStore; close(): Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'ates-analytics-'));
  const place = await testAnalytics(engine);
  const store = await openAnalyticsStore({ home, url: place.url });
  await migrateAnalytics(store);
  return {
    store,
    async close() {
      await store.close();
      await place.dispose();
      await rm(home, { recursive: true, force: true });
    },
  };
}
