import { randomBytes } from 'node:crypto';
import { connectPostgres } from './postgres/client.ts';

/** Migrated once per test run by the global setup; each test file clones it. */
export const TEMPLATE_DATABASE = 'ates_template';

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A fresh, migrated database of its own for one test file: returns its URL. */
export async function createTestDatabase(serverUrl: string): Promise<string> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = connectPostgres(serverUrl, { max: 1 });
  try {
    await admin.sql.unsafe(`create database ${name} template ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.close();
  }
  return withDatabase(serverUrl, name);
}
