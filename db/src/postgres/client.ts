import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { logger } from '../logger.ts';

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

/**
 * Calls `forget` on every notification on `channel`, and each time the listening connection is
 * (re)established, since what was sent while it was down is lost: how a process's cache of
 * another context's data learns it is stale. A failure to listen is logged; the caller's own
 * expiry then bounds the staleness.
 */
export function forgetOnNotify(db: Database, channel: string, forget: () => void): Promise<unknown> {
  return db.$client.listen(channel, forget, forget).catch((error: unknown) => {
    logger.warn({ err: error, channel }, 'not listening for changes: cached data expires on its own');
  });
}

/** Connection failures of the `postgres` and `pg` drivers: the server is down or restarting. */
const UNAVAILABLE_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
]);

/**
 * Whether `error`, or any error it was caused by, says Postgres cannot be reached right now
 * (rather than that a statement was wrong): what the API answers with a 503 and Retry-After.
 */
export function isPostgresUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const code = String((e as { code?: unknown }).code ?? '');
    if (UNAVAILABLE_CODES.has(code) || code.startsWith('08')) return true;
    if (/Connection terminated|connection timeout|terminating connection/i.test(e.message)) return true;
  }
  return false;
}
