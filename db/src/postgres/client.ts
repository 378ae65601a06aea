import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';

export type Database = PostgresJsDatabase & { $client: postgres.Sql };
/** What a query runs on: the pool, or the transaction a change and its events share. */
export type Executor = Database | Parameters<Parameters<Database['transaction']>[0]>[0];

export interface PostgresConnection {
  sql: postgres.Sql;
  db: Database;
  close(): Promise<void>;
}

export function connectPostgres(url: string, options: { max?: number } = {}): PostgresConnection {
  const sql = postgres(url, { max: options.max ?? 20, onnotice: () => {}, connection: { application_name: 'ates' } });
  const db = drizzle(sql);
  return { sql, db, close: () => sql.end({ timeout: 5 }) };
}
