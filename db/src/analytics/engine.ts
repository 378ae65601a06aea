/** What every analytics engine offers; the dialect both speak is described in store.ts. */
export interface AnalyticsStore {
  readonly engine: 'chdb' | 'clickhouse';
  /** Runs one statement that returns no rows (DDL, `INSERT … SELECT`, `OPTIMIZE`). */
  command(sql: string): Promise<void>;
  /** Appends rows as JSONEachRow, INSERT_BATCH_ROWS per statement. */
  insert(table: string, rows: Record<string, unknown>[]): Promise<void>;
  /** Runs a SELECT; `{name:Type}` placeholders take their values from `params`. */
  query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  close(): Promise<void>;
}

export const INSERT_BATCH_ROWS = 10_000;

/** Both drivers apply these so the two engines read and write JSON as 18.16 does. */
export const SHARED_SETTINGS = {
  output_format_json_quote_64bit_integers: 0,
  input_format_skip_unknown_fields: 0,
  date_time_input_format: 'basic',
} as const;

/** The analytics store does not answer (a server down, an engine that would not open). */
export class AnalyticsUnavailableError extends Error {
  override name = 'AnalyticsUnavailableError';
}
