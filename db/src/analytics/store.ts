// The analytics store: ClickHouse over HTTP when a URL is given, else embedded chDB on a local folder.
//
// SQL dialect. Every statement must run on Debian's ClickHouse 18.16 (CI) and on chDB (ClickHouse 26):
// - One statement per call: 18.16 over HTTP refuses `;`-separated statements.
// - Alias every selected expression (`count() AS n`): unaliased column names differ by version.
// - 18.16 lacks: query parameters (the ClickHouse driver inlines `{name:Type}` there as
//   `CAST('…' AS Type)`), CTEs `WITH t AS (SELECT …)` (only `WITH expr AS name`), window
//   functions, `UNION DISTINCT` (only `UNION ALL`), `ILIKE`, `true`/`false` and `Bool`, `Map`,
//   `DateTime64`, `SimpleAggregateFunction`, `LowCardinality` (experimental there), column
//   `CODEC`s, table `TTL`, `ALTER … ADD COLUMN IF NOT EXISTS`, `ORDER BY … WITH FILL`,
//   `toStartOfWeek` (use `toMonday`), `-OrNull` combinators. `numbers(0)` never ends on 18.16.
// - Both have: `CREATE TABLE|DATABASE IF NOT EXISTS`, `DROP … IF EXISTS`, `ENGINE = MergeTree()`
//   (and Replacing/Summing/AggregatingMergeTree) with `PARTITION BY`/`ORDER BY`, materialized
//   views, `FINAL`, `argMax`, `sumIf`/`countIf`, `JOIN … USING|ON`, Nullable, Decimal, UUID, Enum8.
// - `x IN (subquery)` needs identical types on 18.16 (`toUInt64(1)`, not `1`); `has(arr, x)` works.
// - Time: declare columns `DateTime('UTC')` and pass the time zone explicitly
//   (`toDate(at, {tz:String})`). Send DateTime as 'YYYY-MM-DD hh:mm:ss' (UTC) or Unix seconds,
//   never ISO 'T…Z' (date_time_input_format=basic on both). The zero Date/DateTime (e.g. `max(at)`
//   over no rows) prints '0000-00-00…' on 18.16 and '1970-01-01…' on 26: test `count()` first.
// - Money as Int64 cents: `round()` breaks .5 ties differently (18.16 up, 26 to even).
// - Inserts: give every column. 18.16 ignores DEFAULT for fields missing from JSONEachRow and
//   stores the type's zero; an unknown field is an error on both.
// - Parameters: strings, numbers, bigints, null, or arrays of them; 0/1 rather than booleans,
//   date strings rather than Date objects.
// - Results: 64-bit integers come back as JS numbers (exact below 2^53: `toString()` larger ones),
//   Date as 'YYYY-MM-DD', DateTime as 'YYYY-MM-DD hh:mm:ss', nan/inf (e.g. `avg` of nothing) as null.
import { join } from 'node:path';
import { logger } from '../logger.ts';
import { type AnalyticsStore, AnalyticsUnavailableError } from './engine.ts';
import { migrateAnalytics } from './migrations.ts';

export { type AnalyticsStore, AnalyticsUnavailableError } from './engine.ts';

/** ClickHouse at `url` when given (the server passes `CLICKHOUSE_URL`), else chDB under `home`. */
export async function openAnalyticsStore(opts: { home: string; url?: string }): Promise<AnalyticsStore> {
  const { url } = opts;
  // Imported lazily so a ClickHouse deployment never loads chDB's native engine, nor chDB the client.
  if (url) return (await import('./clickhouse.ts')).openClickHouseStore(url);
  return (await import('./chdb.ts')).openChdbStore(join(opts.home, 'analytics'));
}

/** How long after a failed attempt to open the store the next request tries again. */
const REOPEN_AFTER_MS = 1_000;

/**
 * The analytics store as the server holds it: opened and migrated on first use rather than at
 * start, and again after a failure. Tasks and payroll never read analytics, so a ClickHouse (or
 * chDB) that is down at start or goes away later degrades only the reports, which answer 503,
 * and the projection, whose deliveries are retried; nothing else waits for it.
 */
export function openAnalyticsOnDemand(opts: { home: string; url?: string }): AnalyticsStore & {
  ready(): Promise<void>;
} {
  let opening: Promise<AnalyticsStore> | undefined;
  let failedAt = 0;
  let lastError: unknown;
  const open = async (): Promise<AnalyticsStore> => {
    const store = await openAnalyticsStore(opts);
    try {
      await migrateAnalytics(store);
      return store;
    } catch (error) {
      await store.close().catch(() => {});
      throw error;
    }
  };
  const store = (): Promise<AnalyticsStore> => {
    if (!opening && Date.now() - failedAt < REOPEN_AFTER_MS) return Promise.reject(unavailable(lastError));
    opening ??= open().catch((error: unknown) => {
      opening = undefined;
      failedAt = Date.now();
      lastError = error;
      logger.warn({ err: error }, 'the analytics store is unavailable: reports answer 503 until it is back');
      throw unavailable(error);
    });
    return opening;
  };
  return {
    engine: opts.url ? 'clickhouse' : 'chdb',
    ready: async () => {
      await store();
    },
    command: async (sql) => (await store()).command(sql),
    insert: async (table, rows) => (await store()).insert(table, rows),
    query: async (sql, params) => (await store()).query(sql, params),
    async close() {
      const open = opening;
      opening = undefined;
      await (await open?.catch(() => undefined))?.close();
    },
  };
}

function unavailable(cause: unknown): AnalyticsUnavailableError {
  return cause instanceof AnalyticsUnavailableError
    ? cause
    : new AnalyticsUnavailableError('The analytics store could not be opened.', { cause });
}
