import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { type AnalyticsStore, AnalyticsUnavailableError, INSERT_BATCH_ROWS, SHARED_SETTINGS } from './engine.ts';

/** A ClickHouse server over HTTP; `url` may name the database: `http://host:8123/analytics`. */
export async function openClickHouseStore(url: string): Promise<AnalyticsStore> {
  // Errors are rethrown to the caller, who logs them; the client would log each one again.
  const client = createClient({ url, clickhouse_settings: SHARED_SETTINGS, log: { level: ClickHouseLogLevel.OFF } });
  const bindsParams = await serverBindsParams(client).catch(async (error: unknown) => {
    await client.close();
    throw error;
  });
  return {
    engine: 'clickhouse',
    command: (sql) =>
      reachable(url, async () => {
        await client.command({ query: sql });
      }),
    insert: (table, rows) =>
      reachable(url, async () => {
        for (let i = 0; i < rows.length; i += INSERT_BATCH_ROWS) {
          await client.insert({ table, values: rows.slice(i, i + INSERT_BATCH_ROWS), format: 'JSONEachRow' });
        }
      }),
    query: <T>(sql: string, params?: Record<string, unknown>) =>
      reachable(url, async () => {
        const result =
          params && !bindsParams
            ? await client.query({ query: inlineParams(sql, params), format: 'JSONEachRow' })
            : await client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
        return result.json<T>();
      }),
    close: () => client.close(),
  };
}

/** Failures of the connection itself; the server's own errors (a bad statement) pass as they are. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);

async function reachable<T>(url: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const code = String((error as { code?: unknown } | null)?.code ?? '');
    const message = error instanceof Error ? error.message : '';
    if (!UNREACHABLE.has(code) && !/socket hang up|Timeout error/i.test(message)) throw error;
    throw new AnalyticsUnavailableError(`ClickHouse at ${new URL(url).host} does not answer.`, { cause: error });
  }
}

/** ClickHouse before 19 (Debian's 18.16) has no query parameters: it takes `param_p` for an unknown setting. */
async function serverBindsParams(client: ClickHouseClient): Promise<boolean> {
  try {
    await (
      await client.query({ query: 'SELECT {p:UInt8} AS p', query_params: { p: 1 }, format: 'JSONEachRow' })
    ).json();
    return true;
  } catch (error) {
    if (error instanceof Error && error.message.includes('Unknown setting param_p')) return false;
    throw error;
  }
}

const quote = (text: string): string => `'${text.replace(/[\\']/g, '\\$&')}'`;

/** The value as text in ClickHouse's format, which is what a server parses a bound parameter from. */
function paramText(name: string, value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map((v) => (typeof v === 'string' ? quote(v) : paramText(name, v))).join(',')}]`;
  }
  if (value === null) return 'NULL';
  if (['string', 'number', 'bigint'].includes(typeof value)) return String(value);
  throw new TypeError(`analytics query parameter ${name}: use strings, numbers, bigints, null or arrays of them`);
}

/** `{name:Type}` → `CAST('text' AS Type)`: the server parses the text as Type, as binding would. */
function inlineParams(sql: string, params: Record<string, unknown>): string {
  return sql.replace(/\{(\w+):([^{}]+)\}/g, (_, name: string, type: string) => {
    if (!Object.hasOwn(params, name)) throw new Error(`analytics query parameter ${name} is not set`);
    const value = params[name];
    return `CAST(${value === null ? 'NULL' : quote(paramText(name, value))} AS ${type})`;
  });
}
