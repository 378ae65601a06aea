import type { AnalyticsStore } from './engine.ts';
import { type AnalyticsMigration, readSideMigrations } from './schema.ts';

/** Append only: never edit, remove or reorder an entry once it has shipped. */
export const analyticsMigrations: readonly AnalyticsMigration[] = [
  {
    id: '0001_schema_migrations',
    sql: "CREATE TABLE IF NOT EXISTS schema_migrations (id String, applied_at DateTime('UTC')) ENGINE = MergeTree() ORDER BY id",
  },
  ...readSideMigrations,
];

/**
 * Applies the migrations not yet recorded in `schema_migrations` and returns their ids.
 * ClickHouse has no transactions or locks: run it from one process (server start), and a
 * statement that fails is retried on the next run, so prefer `IF NOT EXISTS` forms.
 */
export async function migrateAnalytics(
  store: AnalyticsStore,
  migrations: readonly AnalyticsMigration[] = analyticsMigrations,
): Promise<string[]> {
  const [bookkeeping] = await store.query<{ n: number }>(
    "SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'schema_migrations'",
  );
  const done = bookkeeping?.n
    ? new Set((await store.query<{ id: string }>('SELECT DISTINCT id FROM schema_migrations')).map((row) => row.id))
    : new Set<string>();
  const applied: string[] = [];
  for (const migration of migrations) {
    if (done.has(migration.id)) continue;
    await store.command(migration.sql);
    await store.insert('schema_migrations', [{ id: migration.id, applied_at: Math.floor(Date.now() / 1000) }]);
    applied.push(migration.id);
  }
  return applied;
}
