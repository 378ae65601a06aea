import { Errors, Flags } from '@oclif/core';
import { AtesCommand, EXIT } from './base-command.ts';
import type { Schema } from './client.ts';
import { count, time } from './render.ts';

/** What a close did: the day it closed, or that it was closed before and nothing more was paid. */
export function describeClose(closed: Schema<'ClosedDay'>): string {
  const next = `Postings now belong to ${closed.dayInProgress}.`;
  if (closed.alreadyClosed) {
    return `Business day ${closed.businessDay} was already closed (${time(closed.closedAt)} UTC): nothing more was paid. ${next}`;
  }
  const payouts = `${count(closed.payoutCount)} payout${closed.payoutCount === 1 ? '' : 's'}`;
  return `Closed business day ${closed.businessDay}: ${payouts}. ${next}`;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A business day flag, YYYY-MM-DD; the API checks it is a real date. */
export const dayFlag = (description: string, extra: { exclusive?: string[]; dependsOn?: string[] } = {}) =>
  Flags.string({
    description: `${description} (YYYY-MM-DD, in the business time zone)`,
    helpValue: 'YYYY-MM-DD',
    ...extra,
    parse: async (value, _context, flag) => {
      if (!DAY.test(value))
        Errors.error(`--${flag.name} takes a date written YYYY-MM-DD, not ${value}.`, { exit: EXIT.badInput });
      return value;
    },
  });

export const employeeFlag = Flags.string({
  char: 'e',
  description: 'whose: an employee email, id or unique start of one (admins and accountants) [default: you]',
  default: 'me',
});

/** A billing command that can read every page of a business day's payouts. */
export abstract class BillingCommand extends AtesCommand {
  protected async allPayouts(date: string | undefined, limit: number): Promise<Schema<'PayoutList'>> {
    const page = (cursor?: string) =>
      this.call((api) => api.GET('/v1/payouts', { params: { query: { date, limit, cursor } } }));
    const first = await page();
    const items = [...first.items];
    for (let cursor = first.nextCursor; cursor; ) {
      const next = await page(cursor);
      items.push(...next.items);
      cursor = next.nextCursor;
    }
    return { businessDay: first.businessDay, items, nextCursor: null };
  }
}
