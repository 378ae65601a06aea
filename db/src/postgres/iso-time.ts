import { type SQL, sql } from 'drizzle-orm';

/**
 * SQL that reads a timestamptz `column` as the API and the events write every time: ISO 8601 in
 * UTC with milliseconds (`2026-12-01T09:30:00.000Z`), formatted by Postgres so no Date is built.
 */
export const isoTime = (column: string): string =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** `isoTime` as a piece of a drizzle query, for the queries written with `sql`. */
export const isoTimeSql = (column: string): SQL => sql.raw(isoTime(column));
