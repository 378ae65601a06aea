import Table from 'cli-table3';

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

/** A table for people; `--json` prints the data instead. */
export function table(head: string[], rows: (string | number)[][], options: { alignRight?: number[] } = {}): string {
  const t = new Table({
    head,
    style: { head: ['cyan'], border: ['grey'] },
    colAligns: head.map((_, i) => (options.alignRight?.includes(i) ? 'right' : 'left')),
  });
  t.push(...rows.map((row) => row.map(String)));
  return t.toString();
}
