import { drainPending, Session } from 'chdb';
import { makePrivateFolder } from '../config.ts';
import { type AnalyticsStore, INSERT_BATCH_ROWS, SHARED_SETTINGS } from './engine.ts';

/**
 * Embedded ClickHouse on `path`, through chDB's async calls only (they run off the event loop).
 * libchdb serves one data directory per process: stores opened on the same path share it,
 * opening another path while one is open throws a ChdbConnectionError saying so.
 */
export async function openChdbStore(path: string): Promise<AnalyticsStore> {
  await makePrivateFolder(path);
  // session_timezone: a CI server runs in UTC, so the embedded engine must not follow the host's TZ.
  const settings = { ...SHARED_SETTINGS, session_timezone: 'UTC' };
  const session = new Session(path, {
    connectionArgs: Object.entries(settings).map(([name, value]) => `--${name}=${value}`),
  });
  return {
    engine: 'chdb',
    async command(sql) {
      await session.queryAsync(sql);
    },
    async insert(table, rows) {
      for (let i = 0; i < rows.length; i += INSERT_BATCH_ROWS) {
        const lines = rows.slice(i, i + INSERT_BATCH_ROWS).map((row) => JSON.stringify(row));
        await session.insert({ table, values: Buffer.from(lines.join('\n')), format: 'JSONEachRow' });
      }
    },
    async query<T>(sql: string, params?: Record<string, unknown>) {
      const result = params
        ? await session.queryBindAsync(sql, params, { format: 'JSON' })
        : await session.queryAsync(sql, { format: 'JSON' });
      return result.json<{ data: T[] }>().data;
    },
    async close() {
      session.close();
      // The connection may outlive close(); a store on another path can open only once it is gone.
      await drainPending();
    },
  };
}
