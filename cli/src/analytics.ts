/** What the analytics API answers (see api/src/analytics/schemas.ts), and how the reports show it. */

import type { DayEarnings, TopTask } from '@ates/api/analytics/reports';
import { barChart, count, money, printable, table, time } from './render.ts';

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
export const taskName = (jiraId: string | null, title: string | null) =>
  printable([jiraId, title].filter(Boolean).join(' '));

/** `ates report summary`: today's management earnings and the employees in the negative. */
export function describeSummary(summary: Summary): string {
  const { businessDay, timeZone, feesCents, rewardsCents, managementEarningsCents, payoutsCents } = summary;
  return [
    `Today, ${businessDay} (${timeZone})`,
    `  Management earnings:       ${money(managementEarningsCents)} (fees ${money(feesCents)} − rewards ${money(rewardsCents)})`,
    `  Employees in the negative: ${count(summary.employeesInNegative)}`,
    ...(payoutsCents > 0 ? [`  Paid out at today's close: ${money(payoutsCents)}`] : []),
  ].join('\n');
}

/** `ates report earnings`: a bar per business day and the total. */
export function earningsChart(report: EarningsReport): string {
  const rows = report.items.map((day) => ({ label: day.businessDay, value: day.managementEarningsCents }));
  return `${barChart(rows, { format: money })}\nTotal over ${report.items.length} days: ${money(report.managementEarningsCents)}`;
}

const AUDIT_KIND = { debit: 'fee', credit: 'reward', payout: 'payout' } as const;

/** `ates report audit`: the day's entries, with the employee and the task each was for. */
export function describeAuditReport({ businessDay, items }: Pick<AuditReport, 'businessDay' | 'items'>): string {
  if (items.length === 0) return `Nothing was charged, rewarded or paid out on ${businessDay}.`;
  const rows = items.map((e) => [
    time(e.at),
    e.employeeName ?? e.employeeId,
    AUDIT_KIND[e.kind],
    money(e.amountCents),
    e.taskId ? taskName(e.jiraId, e.title) || e.taskId : '',
    e.description ?? '',
  ]);
  const head = ['Time (UTC)', 'Employee', 'Kind', 'Amount', 'Task', 'Description'];
  return `Audit log of ${businessDay}\n${table(head, rows, { alignRight: [3] })}`;
}

/** `ates report payouts`: who was paid how much at the close of a day. */
export function describePayoutsReport(report: PayoutsReport): string {
  if (!report.businessDay) return 'Nobody has been paid out yet.';
  if (report.items.length === 0) return `Nobody was paid out on ${report.businessDay}.`;
  const rows = report.items.map((p) => [
    p.employeeName ?? p.employeeId,
    p.email ?? '',
    money(p.amountCents),
    time(p.paidAt),
  ]);
  const payouts = `${count(report.items.length)} payout${report.items.length === 1 ? '' : 's'}`;
  return [
    `Payouts of ${report.businessDay}`,
    table(['Employee', 'Email', 'Amount', 'Paid at (UTC)'], rows, { alignRight: [2] }),
    `${payouts}, ${money(report.totalCents)} in all.`,
  ].join('\n');
}

/** `ates report top-tasks`: the period's most expensive completed tasks. */
export function describeTopTasks(report: TopTasksReport): string {
  const single = report.from === report.to;
  const period = single ? report.from : `${report.from} to ${report.to}`;
  if (report.items.length === 0) return `No task was completed on ${period} (${report.timeZone}).`;
  const rows = report.items.map((t) => [
    t.rank,
    money(t.rewardCents),
    taskName(t.jiraId, t.title),
    time(t.completedAt),
    t.completedByName ?? t.completedById,
  ]);
  return [
    `The most expensive tasks completed ${single ? 'on' : 'from'} ${period} (${report.timeZone})`,
    table(['#', 'Reward', 'Task', 'Completed (UTC)', 'Completed by'], rows, { alignRight: [0, 1] }),
  ].join('\n');
}
