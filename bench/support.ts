import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectPostgres, EventBus, migratePostgres, type PostgresConnection, startEmbeddedPostgres } from '@ates/db';

export interface BenchDatabase {
  url: string;
  conn: PostgresConnection;
  bus: EventBus;
  stop(): Promise<void>;
}

/** A fresh embedded Postgres, migrated, with the bus started: what each benchmark runs on. */
export async function benchDatabase(): Promise<BenchDatabase> {
  const home = await mkdtemp(join(tmpdir(), 'ates-bench-'));
  const postgres = await startEmbeddedPostgres(home);
  await migratePostgres(postgres.url);
  const conn = connectPostgres(postgres.url);
  const bus = new EventBus(postgres.url, conn.db);
  await bus.start();
  return {
    url: postgres.url,
    conn,
    bus,
    async stop() {
      await bus.stop();
      await conn.close();
      await postgres.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

export const count = (n: number) => Math.round(n).toLocaleString('en-US');
export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
