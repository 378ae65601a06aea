import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { ADVISORY_LOCKS } from './advisory-locks.ts';

/** Each context owns its Postgres schema and migrates it from its own folder, in this order. */
export const CONTEXTS = ['bus', 'identity', 'tasks', 'accounting', 'analytics', 'http', 'webhooks'] as const;

/** Applies every pending migration; an advisory lock lets API and worker processes start together. */
export async function migratePostgres(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${ADVISORY_LOCKS.migrations})`;
    const db = drizzle(sql);
    for (const context of CONTEXTS) {
      const migrationsFolder = fileURLToPath(new URL(`../../migrations/${context}`, import.meta.url));
      if (!existsSync(migrationsFolder)) continue;
      await migrate(db, { migrationsFolder, migrationsTable: `${context}_migrations` });
    }
  } finally {
    await sql.end();
  }
}
