import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  assertTimeZone,
  calendarDay,
  isCalendarDate,
  previousCalendarDay,
} from '../../src/accounting/business-day.ts';

describe('the business calendar’s arithmetic', () => {
  it('names the day in the configured time zone, not the server’s', () => {
    const at = new Date('2026-12-01T23:30:00Z');
    expect(calendarDay(at, 'UTC')).toBe('2026-12-01');
    expect(calendarDay(at, 'Europe/Berlin')).toBe('2026-12-02');
    expect(calendarDay(at, 'America/Los_Angeles')).toBe('2026-12-01');
    expect(previousCalendarDay(at, 'Europe/Berlin')).toBe('2026-12-01');
  });

  it('closes the right day across a daylight-saving change', () => {
    // Berlin springs forward on 2026-03-29: the night's close, at 00:05 local, closes the 28th.
    expect(previousCalendarDay(new Date('2026-03-28T23:05:00Z'), 'Europe/Berlin')).toBe('2026-03-28');
    expect(previousCalendarDay(new Date('2026-10-24T22:05:00Z'), 'Europe/Berlin')).toBe('2026-10-24');
  });

  it('adds days across months, leap days and years', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2027-02-28', 1)).toBe('2027-03-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
  });

  it('goes forth and back to the same day, and a day after is always a real date', () => {
    const day = fc
      .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2999-12-31T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, fc.integer({ min: -400, max: 400 }), (start, n) => {
        expect(addDays(addDays(start, n), -n)).toBe(start);
        expect(isCalendarDate(addDays(start, n))).toBe(true);
      }),
    );
  });

  it.each([
    ['2026-02-28', true],
    ['2028-02-29', true],
    ['2026-02-29', false],
    ['2026-02-30', false],
    ['2026-13-01', false],
    ['2026-1-01', false],
    ['2026-01-01T00:00:00Z', false],
    ['', false],
  ])('%j is a calendar date: %s', (value, expected) => {
    expect(isCalendarDate(value)).toBe(expected);
  });

  it('refuses a time zone nobody knows, naming the setting', () => {
    expect(() => assertTimeZone('Europe/Berlin')).not.toThrow();
    expect(() => assertTimeZone('Mars/Olympus')).toThrow('ATES_TIMEZONE=Mars/Olympus is not an IANA time zone');
  });
});
