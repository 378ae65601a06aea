/** Calendar arithmetic on business days, written YYYY-MM-DD; the time zone matters only for "today". */

/** Today's date in `timeZone`. */
export function today(timeZone: string, now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}

export type PeriodKind = 'day' | 'week' | 'month';

export interface DayRange {
  from: string;
  to: string;
}

/** The day, the week (Monday to Sunday) or the calendar month that holds `date`. */
export function periodOf(kind: PeriodKind, date: string): DayRange {
  if (kind === 'day') return { from: date, to: date };
  if (kind === 'week') {
    const monday = addDays(date, -((new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7));
    return { from: monday, to: addDays(monday, 6) };
  }
  const first = `${date.slice(0, 7)}-01`;
  const nextMonth = new Date(`${first}T00:00:00Z`);
  nextMonth.setUTCMonth(nextMonth.getUTCMonth() + 1);
  return { from: first, to: addDays(nextMonth.toISOString().slice(0, 10), -1) };
}
