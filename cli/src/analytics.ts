import type { Reply, Schema } from './client.ts';
import { barChart, count, money, printable, table, time } from './render.ts';

/** "UP-42 Fix the beak", or just the title. */
export const taskName = (jiraId: string | null, title: string | null) =>
  printable([jiraId, title].filter(Boolean).join(' '));

/** `ates report summary`: today's management earnings and the employees in the negative. */
export function describeSummary(summary: Schema<'AnalyticsSummary'>): string {
  const { businessDay, timeZone, feesCents, rewardsCents, managementEarningsCents, payoutsCents } = summary;
  return [
    `Today, ${businessDay} (${timeZone})`,
    `  Management earnings:       ${money(managementEarningsCents)} (fees ${money(feesCents)} − rewards ${money(rewardsCents)})`,
    `  Employees in the negative: ${count(summary.employeesInNegative)}`,
    ...(payoutsCents > 0 ? [`  Paid out at today's close: ${money(payoutsCents)}`] : []),
  ].join('\n');
}

/** `ates report earnings`: a bar per business day and the total. */
export function earningsChart(report: Reply<'get', '/v1/reports/earnings'>): string {
  const rows = report.items.map((day) => ({ label: day.businessDay, value: day.managementEarningsCents }));
  return `${barChart(rows, { format: money })}\nTotal over ${report.items.length} days: ${money(report.managementEarningsCents)}`;
}

/** `ates report audit`: the day's entries, with the employee and the task each was for. */
export function describeAuditReport({
  businessDay,
  items,
}: Pick<Schema<'AnalyticsAuditLog'>, 'businessDay' | 'items'>): string {
  if (items.length === 0) return `Nothing was charged, rewarded or paid out on ${businessDay}.`;
  const rows = items.map((e) => [
    time(e.at),
    e.fullName ?? e.employeeId,
    e.kind,
    money(e.amountCents),
    e.taskId ? taskName(e.jiraId, e.title) || e.taskId : '',
    e.description ?? '',
  ]);
  const head = ['Time (UTC)', 'Employee', 'Kind', 'Amount', 'Task', 'Description'];
  return `Audit log of ${businessDay}\n${table(head, rows, { alignRight: [3] })}`;
}

/** `ates report payouts`: who was paid how much at the close of a day. */
export function describePayoutsReport(report: Reply<'get', '/v1/reports/payouts'>): string {
  if (!report.businessDay) return 'Nobody has been paid out yet.';
  if (report.items.length === 0) return `Nobody was paid out on ${report.businessDay}.`;
  const rows = report.items.map((p) => [
    p.fullName ?? p.employeeId,
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
export function describeTopTasks(report: Reply<'get', '/v1/reports/top-tasks'>): string {
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
