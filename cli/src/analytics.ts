/** What the analytics API answers (see api/src/analytics/schemas.ts). */

import type { DayEarnings, TopTask } from '@ates/api/analytics/reports';

export type { DayEarnings, TopTask };

export interface Summary extends DayEarnings {
  employeesInNegative: number;
  timeZone: string;
}

export interface EarningsReport {
  items: DayEarnings[];
  managementEarningsCents: number;
  nextCursor: null;
}

export interface TopTasksReport {
  from: string;
  to: string;
  timeZone: string;
  items: TopTask[];
  nextCursor: null;
}

export interface AuditEntry {
  eventId: string;
  transactionId: string;
  kind: 'debit' | 'credit' | 'payout';
  employeeId: string;
  employeeName: string | null;
  amountCents: number;
  at: string;
  taskId: string | null;
  jiraId: string | null;
  title: string | null;
  description: string | null;
}

export interface AuditReport {
  businessDay: string;
  items: AuditEntry[];
  nextCursor: string | null;
}

export interface PayoutsReport {
  businessDay: string | null;
  items: {
    transactionId: string;
    employeeId: string;
    employeeName: string | null;
    email: string | null;
    amountCents: number;
    paidAt: string;
  }[];
  totalCents: number;
  nextCursor: null;
}

export interface Rebuild {
  id: string;
  state: 'running' | 'done' | 'failed';
  done: number;
  total: number;
  rejected: number;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

interface Totals {
  feesCents: number;
  rewardsCents: number;
  managementEarningsCents: number;
}

export interface Verification {
  from: string;
  to: string;
  daysCompared: number;
  agrees: boolean;
  differences: { businessDay: string; analytics: Totals; ledger: Totals }[];
}

/** "UP-42 Fix the beak", or just the title. */
export const taskName = (jiraId: string | null, title: string | null) => [jiraId, title].filter(Boolean).join(' ');
