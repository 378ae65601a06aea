/** `@ates/db/accounting`: the business calendar and the close of a business day. */
export {
  addDays,
  assertTimeZone,
  calendarDay,
  isCalendarDate,
  ledgerCalendar,
  lockLedger,
  previousCalendarDay,
} from './business-day.ts';
