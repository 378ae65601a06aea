import { createRequire } from 'node:module';
import { stripVTControlCharacters } from 'node:util';
import stringWidth from 'string-width';
import type { Schema } from './client.ts';
import type { Employee } from './identity.ts';
import type { Task } from './tasks.ts';

/**
 * 100000 → "100,000". Not `toLocaleString`: its first call loads ICU's locale data, which costs a
 * command start-up more memory than the rest of its output.
 */
export const count = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

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
  return `${sign}$${count(Math.floor(abs / 100))}.${String(abs % 100).padStart(2, '0')}`;
}

/** An ISO time as `2026-11-24 15:04` in UTC, or an empty cell. */
export function time(iso: string | null | undefined): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : '';
}

/** The narrowest a column is cut to, padding included: room for a few characters and the ellipsis. */
const MIN_COLUMN = 6;
/** The narrowest the columns of long text are cut to before any other column gives way. */
const FLEXIBLE_FLOOR = 24;

/** The terminal's width (80 when it does not say); off a terminal, none. */
function terminalWidth(): number | undefined {
  return process.stdout.isTTY ? process.stdout.columns || 80 : undefined;
}

/**
 * Column widths (padding included) that fit `width` with the borders: the `flexible` columns give
 * way first, the widest first, then any column; cli-table3 cuts what no longer fits with "…".
 */
function fitColumns(cells: string[][], width: number, flexible: number[]): number[] {
  const widths = (cells[0] ?? []).map((_, i) => 2 + Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const room = width - (widths.length + 1);
  const shrink = (candidates: number[], floor: number) => {
    let excess = widths.reduce((sum, w) => sum + w, 0) - room;
    while (excess > 0) {
      const widest = candidates.reduce(
        (best, i) => ((widths[i] ?? 0) > (widths[best] ?? 0) ? i : best),
        candidates[0] ?? 0,
      );
      if ((widths[widest] ?? 0) <= floor) return;
      widths[widest] = (widths[widest] ?? 0) - 1;
      excess--;
    }
  };
  shrink(flexible, FLEXIBLE_FLOOR);
  shrink(
    widths.map((_, i) => i),
    MIN_COLUMN,
  );
  return widths;
}

/**
 * The `optional` columns, last first, to leave out so that no `flexible` one is cut below its
 * floor: a narrow terminal shows fewer columns rather than mangled ones.
 */
function droppedColumns(cells: string[][], width: number, flexible: number[], optional: number[]): number[] {
  const natural = (cells[0] ?? []).map((_, i) => 2 + Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const dropped: number[] = [];
  const needed = () =>
    natural.reduce(
      (sum, w, i) => (dropped.includes(i) ? sum : sum + 1 + (flexible.includes(i) ? Math.min(w, FLEXIBLE_FLOOR) : w)),
      1,
    );
  for (const column of [...optional].reverse()) {
    if (needed() <= width) break;
    dropped.push(column);
  }
  return dropped;
}

/**
 * Rows as plain text, as cli-table3 drew them with no borders: each column as wide as its widest
 * line (one at least), two spaces between columns, a cell of several lines on as many, no line
 * ending in spaces. Drawn here: cli-table3 takes longer over a page of tasks than the rest of
 * `ates task list` off a terminal.
 */
function plainTable(rows: string[][], colAligns: ('left' | 'right')[]): string {
  const lines = rows.map((row) => row.map((cell) => cell.split('\n')));
  const widths = colAligns.map((_, i) =>
    Math.max(1, ...lines.map((row) => Math.max(...(row[i] ?? []).map(stringWidth)))),
  );
  const pad = (text: string, i: number) => {
    const room = ' '.repeat(Math.max(0, (widths[i] ?? 0) - stringWidth(text)));
    return colAligns[i] === 'right' ? room + text : text + room;
  };
  return lines
    .flatMap((row) =>
      Array.from({ length: Math.max(...row.map((cell) => cell.length)) }, (_, at) =>
        row
          .map((cell, i) => pad(cell[at] ?? '', i))
          .join('  ')
          .trimEnd(),
      ),
    )
    .join('\n');
}

/** cli-table3, loaded by the first table at a terminal: a command that draws none (`ates whoami`) starts without it. */
const tableLibrary = (): typeof import('cli-table3') => createRequire(import.meta.url)('cli-table3');

/**
 * A table for people; `--json` prints the data instead. At a terminal it fits the width, long text
 * cut with "…", in colour; elsewhere it is plain: aligned columns, no borders, nothing cut.
 * `flexible` names the columns to cut first (default: every one), `optional` those to leave out
 * on a terminal too narrow for them.
 */
export function table(
  head: string[],
  rows: (string | number)[][],
  options: { alignRight?: number[]; flexible?: number[]; optional?: number[] } = {},
): string {
  const cells = rows.map((row) => row.map((cell) => printable(String(cell))));
  const colAligns = head.map((_, i) => (options.alignRight?.includes(i) ? ('right' as const) : ('left' as const)));
  const width = terminalWidth();
  if (width === undefined) return plainTable([head, ...cells], colAligns);
  const flexible = options.flexible ?? head.map((_, i) => i);
  const dropped = droppedColumns([head, ...cells], width, flexible, options.optional ?? []);
  if (dropped.length > 0) {
    const keep = (_: unknown, i: number) => !dropped.includes(i);
    const kept = head.map((_, i) => i).filter((i) => keep(null, i));
    return table(
      head.filter(keep),
      cells.map((row) => row.filter(keep)),
      {
        alignRight: kept.flatMap((i, at) => (options.alignRight?.includes(i) ? [at] : [])),
        flexible: kept.flatMap((i, at) => (flexible.includes(i) ? [at] : [])),
      },
    );
  }
  const colour = !process.env.NO_COLOR;
  const Table = tableLibrary();
  const t = new Table({
    head,
    colWidths: fitColumns([head, ...cells], width, flexible),
    style: { compact: true, ...(colour ? { head: ['cyan'], border: ['grey'] } : { head: [], border: [] }) },
    colAligns,
  });
  t.push(...cells);
  return t.toString();
}

/** The shortest a shown id is: 8 characters, as gh shows commits. */
const SHORT_ID = 8;

/**
 * Each id cut to its shortest prefix of at least 8 characters that no other id in `ids` shares, as
 * git abbreviates commits (ids that share a creation time, like UUIDv7s, need a few more).
 * Commands that take an id accept such a prefix.
 */
export function shortIds(ids: string[]): (id: string) => string {
  const sorted = [...new Set(ids)].sort();
  const common = (a = '', b = '') => {
    let n = 0;
    while (n < a.length && a[n] === b[n]) n++;
    return n;
  };
  const short = new Map(
    sorted.map((id, i) => {
      let length = Math.max(SHORT_ID, common(id, sorted[i - 1]) + 1, common(id, sorted[i + 1]) + 1);
      if (id[length - 1] === '-') length++;
      return [id, id.slice(0, length)];
    }),
  );
  return (id) => short.get(id) ?? id;
}

/** "Kesha Popug <kesha@popug.inc>, worker" (", deactivated" when so). */
export function describeEmployee(employee: Employee): string {
  return printable(
    `${employee.fullName} <${employee.email}>, ${employee.role}${employee.active ? '' : ', deactivated'}`,
  );
}

/** "UP-42 Fix the beak", or just the title when it has no jira id. */
export function taskTitle(task: Task): string {
  return printable(task.jiraId ? `${task.jiraId} ${task.title}` : task.title);
}

export function taskTable(tasks: Task[]): string {
  const short = shortIds(tasks.map((t) => t.id));
  const rows = tasks.map((t) => [
    short(t.id),
    taskTitle(t),
    t.status,
    t.assigneeName,
    money(t.assignFeeCents),
    money(t.rewardCents),
    time(t.createdAt),
  ]);
  return table(['Id', 'Task', 'Status', 'Assignee', 'Fee', 'Reward', 'Created (UTC)'], rows, {
    alignRight: [4, 5],
    flexible: [1, 3],
    optional: [6],
  });
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
 * cli-progress is imported only then, like every part a command may not need.
 */
export async function whileWaiting<T>(label: string, work: Promise<T>): Promise<T> {
  const frames = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
  let bar: import('cli-progress').SingleBar | undefined;
  let frame = 0;
  let spin: NodeJS.Timeout | undefined;
  let finished = false;
  const show = setTimeout(async () => {
    const { SingleBar } = await import('cli-progress');
    if (finished) return;
    bar = new SingleBar({
      format: `${label} {spinner} {duration_formatted}`,
      stream: process.stderr,
      clearOnComplete: true,
    });
    bar.start(1, 0, { spinner: frames[0] });
    spin = setInterval(() => bar?.update({ spinner: frames[++frame % frames.length] }), 100);
  }, 1_000);
  try {
    return await work;
  } finally {
    finished = true;
    clearTimeout(show);
    clearInterval(spin);
    bar?.stop();
  }
}

/** An audit log: every debit, credit and payout with the task it was for. */
export function auditTable(entries: Schema<'AuditEntry'>[]): string {
  const rows = entries.map((e) => [
    time(e.at),
    e.businessDay,
    e.kind,
    money(e.amountCents),
    e.taskId ? [e.jiraId, e.title ?? `task ${e.taskId}`].filter(Boolean).join(' ') : '',
    e.description ?? '',
  ]);
  return table(['Time (UTC)', 'Business day', 'Kind', 'Amount', 'Task', 'Description'], rows, {
    alignRight: [3],
    flexible: [4, 5],
  });
}

export function payoutTable(payouts: Schema<'Payout'>[]): string {
  const rows = payouts.map((p) => [
    p.fullName ?? p.employeeId,
    p.email ?? '',
    money(p.amountCents),
    p.mail ? p.mail.location : 'queued',
  ]);
  return table(['Employee', 'Email', 'Amount', 'Payout email'], rows, { alignRight: [2], flexible: [0, 1, 3] });
}

export function earningsTable(days: Schema<'DayEarnings'>[]): string {
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
export async function progressBar(label: string): Promise<{ update(done: number, total: number): void; stop(): void }> {
  const { SingleBar } = await import('cli-progress');
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
