import { sql } from 'drizzle-orm';
import { ADVISORY_LOCKS } from '../postgres/advisory-locks.ts';
import type { Executor } from '../postgres/client.ts';

/**
 * Every writer of the ledger (the posting consumer, close-day) holds this lock for its transaction,
 * so a posting lands wholly before a close or wholly after it, in the day that was open when it was
 * posted, and two ledger writers never deadlock on account rows. Throughput comes from batching.
 */
export async function lockLedger(tx: Executor): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${ADVISORY_LOCKS.ledger})`);
}

export interface LedgerCalendar {
  /** The calendar date in the business time zone: no later day is ever closed. */
  today: string;
  /**
   * The day new postings belong to: today, or tomorrow once today has closed early. The last
   * closed day is never after today, so this is never later than tomorrow.
   */
  dayInProgress: string;
  lastClosed: string | null;
}

/** Where the ledger stands in `timeZone`; read it while holding the ledger lock. */
export async function ledgerCalendar(tx: Executor, timeZone: string): Promise<LedgerCalendar> {
  const [row] = await tx.execute<{ today: string; day_in_progress: string; last_closed: string | null }>(sql`
    select c.today::text as today, greatest(c.today, c.last_closed + 1)::text as day_in_progress,
           c.last_closed::text as last_closed
    from (select (now() at time zone ${timeZone})::date as today,
                 (select max(business_day) from accounting.closed_days) as last_closed) c`);
  if (!row) throw new Error('the ledger calendar query returned no row');
  return { today: row.today, dayInProgress: row.day_in_progress, lastClosed: row.last_closed };
}

/** Today's date in `timeZone`, as YYYY-MM-DD. */
export function calendarDay(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** The calendar day before `at` in `timeZone`: what the nightly close closes. */
export function previousCalendarDay(at: Date, timeZone: string): string {
  return addDays(calendarDay(at, timeZone), -1);
}

export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** A real calendar date written YYYY-MM-DD (not 2026-02-30). */
export function isCalendarDate(value: string): boolean {
  const time = Date.parse(`${value}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(time) && new Date(time).toISOString().startsWith(value);
}

/** Throws a clear error at start-up for a time zone neither Intl nor Postgres would know. */
export function assertTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new Error(`ATES_TIMEZONE=${timeZone} is not an IANA time zone (e.g. UTC, Europe/Berlin).`);
  }
}
