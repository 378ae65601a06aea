import { stripVTControlCharacters } from 'node:util';
import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import type { AuditEntry, DayEarnings, Payout } from './billing.ts';
import type { Employee } from './identity.ts';
import type { Task } from './tasks.ts';

/** Control characters (C0, DEL and C1, the 8-bit CSI among them) but newline and tab. */
const CONTROLS = /[^\P{Cc}\n\t]/gu;

/**
 * Text from the API as a terminal may show it: escape sequences (colours, cursor moves, titles,
 * hyperlinks) removed whole, then any control character left but newline and tab. Everything the
 * CLI prints of data that people typed goes through here; `--json` prints the exact data instead.
 */
export function printable(text: string): string {
  return stripVTControlCharacters(text).replace(CONTROLS, '');
}

/** 1250 → "$12.50", -700 → "-$7.00": money is integer cents everywhere but on screen. */
export function money(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}$${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}

/** An ISO time as `2026-11-24 15:04` in UTC, or an empty cell. */
export function time(iso: string | null | undefined): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : '';
}

/** A table for people; `--json` prints the data instead. Colours only on a terminal. */
export function table(head: string[], rows: (string | number)[][], options: { alignRight?: number[] } = {}): string {
  const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const t = new Table({
    head,
    style: colour ? { head: ['cyan'], border: ['grey'] } : { head: [], border: [] },
    colAligns: head.map((_, i) => (options.alignRight?.includes(i) ? 'right' : 'left')),
  });
  t.push(...rows.map((row) => row.map((cell) => printable(String(cell)))));
  return t.toString();
}

/** "Kesha Popug <kesha@popug.inc>, worker" (", deactivated" when so). */
export function describeEmployee(employee: Employee): string {
  return printable(
    `${employee.fullName} <${employee.email}>, ${employee.role}${employee.active ? '' : ', deactivated'}`,
  );
}

/** 100000 → "100,000". */
export const count = (n: number) => n.toLocaleString('en-US');

/** "UP-42 Fix the beak", or just the title when it has no jira id. */
export function taskTitle(task: Task): string {
  return printable(task.jiraId ? `${task.jiraId} ${task.title}` : task.title);
}

export function taskTable(tasks: Task[]): string {
  const rows = tasks.map((t) => [
    t.id,
    taskTitle(t),
    t.status,
    t.assigneeName,
    money(t.assignFeeCents),
    money(t.rewardCents),
    time(t.createdAt),
  ]);
  return table(['Id', 'Task', 'Status', 'Assignee', 'Fee', 'Reward', 'Created (UTC)'], rows, { alignRight: [4, 5] });
}

/** One task, a field a line. */
export function describeTask(task: Task): string {
  return [
    `${taskTitle(task)} (${task.status}${task.completedAt ? ` ${time(task.completedAt)} UTC` : ''})`,
    ...(task.description ? [printable(task.description)] : []),
    `Id:       ${task.id}`,
    `Assignee: ${printable(task.assigneeName)} (${task.assigneeId})`,
    `Fee:      ${money(task.assignFeeCents)}, charged on every assignment`,
    `Reward:   ${money(task.rewardCents)}, paid on completion`,
    `Created:  ${time(task.createdAt)} UTC`,
  ].join('\n');
}

/**
 * Shows `label`, a spinner and the time spent on stderr while `work` runs, once it has taken a
 * second; a single request has no steps to count. Nothing is drawn when stderr is not a terminal.
 */
export async function whileWaiting<T>(label: string, work: Promise<T>): Promise<T> {
  const frames = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
  const bar = new SingleBar({
    format: `${label} {spinner} {duration_formatted}`,
    stream: process.stderr,
    clearOnComplete: true,
  });
  let frame = 0;
  let spin: NodeJS.Timeout | undefined;
  const show = setTimeout(() => {
    bar.start(1, 0, { spinner: frames[0] });
    spin = setInterval(() => bar.update({ spinner: frames[++frame % frames.length] }), 100);
  }, 1_000);
  try {
    return await work;
  } finally {
    clearTimeout(show);
    clearInterval(spin);
    bar.stop();
  }
}

/** An audit log: every debit, credit and payout with the task it was for. */
export function auditTable(entries: AuditEntry[]): string {
  const rows = entries.map((e) => [
    time(e.at),
    e.businessDay,
    e.kind,
    money(e.amountCents),
    e.taskId ? [e.jiraId, e.title ?? `task ${e.taskId}`].filter(Boolean).join(' ') : '',
    e.description ?? '',
  ]);
  return table(['Time (UTC)', 'Business day', 'Kind', 'Amount', 'Task', 'Description'], rows, { alignRight: [3] });
}

export function payoutTable(payouts: Payout[]): string {
  const rows = payouts.map((p) => [
    p.fullName ?? p.employeeId,
    p.email ?? '',
    money(p.amountCents),
    p.mail ? p.mail.location : 'queued',
  ]);
  return table(['Employee', 'Email', 'Amount', 'Payout email'], rows, { alignRight: [2] });
}

export function earningsTable(days: DayEarnings[]): string {
  const rows = days.map((d) => [d.businessDay, money(d.feesCents), money(d.rewardsCents), money(d.earningsCents)]);
  return table(['Business day', 'Fees', 'Rewards', 'Earnings'], rows, { alignRight: [1, 2, 3] });
}

/**
 * A horizontal bar per row, scaled to the widest value: positive values grow right of the axis,
 * negative ones (▒) left of it, each row ending with its value as `format` writes it.
 */
export function barChart(
  rows: { label: string; value: number }[],
  options: { format?: (value: number) => string; width?: number } = {},
): string {
  const format = options.format ?? String;
  const labels = Math.max(0, ...rows.map((row) => row.label.length));
  const values = Math.max(0, ...rows.map((row) => format(row.value).length));
  const width = options.width ?? Math.max(10, Math.min(60, (process.stdout.columns ?? 80) - labels - values - 3));
  const low = Math.min(0, ...rows.map((row) => row.value));
  const high = Math.max(0, ...rows.map((row) => row.value));
  const span = high - low || 1;
  const left = low < 0 ? Math.max(1, Math.round((-low / span) * width)) : 0;
  const right = high > 0 ? Math.max(1, width - left) : 0;
  const cells = (value: number, room: number) =>
    value === 0 ? 0 : Math.min(room, Math.max(1, Math.round((Math.abs(value) / span) * width)));
  return rows
    .map(({ label: text, value }) => {
      const label = printable(text);
      const negative = value < 0 ? '▒'.repeat(cells(value, left)) : '';
      const positive = value > 0 ? '█'.repeat(cells(value, right)) : '';
      return `${label.padEnd(labels)} ${negative.padStart(left)}│${positive.padEnd(right)} ${format(value).padStart(values)}`;
    })
    .join('\n');
}

/**
 * A progress bar on stderr for work that reports `done` of `total` steps; nothing is drawn when
 * stderr is not a terminal. `update` takes the latest figures, `stop` clears the line.
 */
export function progressBar(label: string): { update(done: number, total: number): void; stop(): void } {
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted}`,
    stream: process.stderr,
    clearOnComplete: true,
    hideCursor: true,
  });
  let started = false;
  return {
    update(done, total) {
      if (!started) bar.start(Math.max(total, 1), done);
      started = true;
      bar.setTotal(Math.max(total, 1));
      bar.update(done);
    },
    stop: () => bar.stop(),
  };
}
