import { Errors, Flags } from '@oclif/core';
import { AtesCommand, EXIT } from './base-command.ts';
import { count, time } from './render.ts';

/** What the accounting API answers (see api/src/accounting/schemas.ts). */
export interface Account {
  employeeId: string;
  fullName: string | null;
  email: string | null;
  balanceCents: number;
  businessDay: string;
}

export interface AccountList {
  items: Account[];
  nextCursor: string | null;
  totals: { count: number; positiveCents: number; negativeCents: number };
}

export interface AuditEntry {
  entryId: string;
  transactionId: string;
  kind: 'fee' | 'reward' | 'payout';
  amountCents: number;
  at: string;
  businessDay: string;
  taskId: string | null;
  jiraId: string | null;
  title: string | null;
  description: string | null;
}

export interface AuditLog {
  items: AuditEntry[];
  nextCursor: string | null;
}

export interface DayEarnings {
  businessDay: string;
  feesCents: number;
  rewardsCents: number;
  earningsCents: number;
}

export interface Earnings {
  items: DayEarnings[];
  totalEarningsCents: number;
}

export interface ClosedDay {
  businessDay: string;
  closedAt: string;
  closedBy: string;
  alreadyClosed: boolean;
  payoutCount: number;
  payoutTotalCents: number;
  dayInProgress: string;
}

/** What a close did: the day it closed, or that it was closed before and nothing more was paid. */
export function describeClose(closed: ClosedDay): string {
  const next = `Postings now belong to ${closed.dayInProgress}.`;
  if (closed.alreadyClosed) {
    return `Business day ${closed.businessDay} was already closed (${time(closed.closedAt)} UTC): nothing more was paid. ${next}`;
  }
  const payouts = `${count(closed.payoutCount)} payout${closed.payoutCount === 1 ? '' : 's'}`;
  return `Closed business day ${closed.businessDay}: ${payouts}. ${next}`;
}

export interface BusinessDay {
  businessDay: string;
  status: 'open' | 'closed' | 'not begun';
  dayInProgress: string;
  payoutCount: number;
  payoutTotalCents: number;
  mailsSent: number;
}

export interface Payout {
  transactionId: string;
  employeeId: string;
  fullName: string | null;
  email: string | null;
  amountCents: number;
  businessDay: string;
  paidAt: string;
  mail: { sentAt: string; location: string } | null;
}

export interface PayoutList {
  businessDay: string | null;
  items: Payout[];
  nextCursor: string | null;
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
  protected async allPayouts(date: string | undefined, limit: number): Promise<PayoutList> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (date) query.set('date', date);
    const first = await this.request<PayoutList>('GET', `/v1/payouts?${query}`);
    const items = [...first.items];
    for (let cursor = first.nextCursor; cursor; ) {
      query.set('cursor', cursor);
      const page = await this.request<PayoutList>('GET', `/v1/payouts?${query}`);
      items.push(...page.items);
      cursor = page.nextCursor;
    }
    return { businessDay: first.businessDay, items, nextCursor: null };
  }
}
