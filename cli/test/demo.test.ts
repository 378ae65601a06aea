import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ates, atesUntil, type CliResult } from '../../test/support/cli.ts';
import { terminal } from './identity/support.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read --json output field by field and assert on them
type Json = any;

let root: string;
let home: string;
let demo: CliResult;
let demoSeconds: number;
let result: Json;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ates-demo-'));
  home = join(root, 'home');
  const started = performance.now();
  demo = await ates(['demo', '--home', home, '--json']);
  demoSeconds = (performance.now() - started) / 1000;
  console.info(`ates demo took ${demoSeconds.toFixed(1)} s`);
  result = demo.code === 0 ? JSON.parse(demo.stdout) : undefined;
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every file under `dir` with its size and modification time. */
async function snapshot(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  return Promise.all(
    files.sort().map(async (file) => `${file} ${(await stat(file)).size} ${(await stat(file)).mtimeMs}`),
  );
}

const sum = (entries: { amountCents: number }[]) => entries.reduce((total, e) => total + e.amountCents, 0);
/** What audit entries took from balances (fees, payouts), as a positive amount. */
const taken = (entries: Json[]): number => entries.reduce((total, e) => total - e.amountCents, 0);

describe('ates demo', () => {
  it('plays a business day on a fresh home, with every role', () => {
    expect(demo.code, demo.stderr).toBe(0);
    const roles = result.employees.map((e: Json) => e.role);
    expect(roles.toSorted()).toEqual(['accountant', 'admin', 'manager', ...Array(6).fill('worker')]);
    for (const employee of result.employees) {
      expect(employee.email).toMatch(/@/);
      expect(employee.password.length).toBeGreaterThanOrEqual(10);
    }
    expect(result.home).toBe(home);
    expect(result.counts).toMatchObject({ employees: 9, reassignedTasks: 30 });
    // Thirty tasks, and the bonus chores added when the fees left nobody earning, each done at once.
    const bonus = result.counts.tasks - 30;
    expect(bonus).toBeGreaterThanOrEqual(0);
    expect(result.counts.completedTasks).toBeGreaterThanOrEqual(Math.max(bonus, 1));
  });

  it('closes the day once: asked again the same day, it is already closed and pays nothing', () => {
    const [closed, again] = result.closes;
    expect(closed).toMatchObject({ businessDay: result.businessDay, alreadyClosed: false });
    expect(again).toEqual({ ...closed, alreadyClosed: true });
    expect(closed.dayInProgress > result.businessDay).toBe(true);
  });

  it('prints reports that agree with each other and with what the demo did', () => {
    const { summary, earnings, audit, payouts, topTasks } = result.reports;
    const { counts, businessDay } = result;
    const fees = audit.items.filter((e: Json) => e.kind === 'fee');
    const rewards = audit.items.filter((e: Json) => e.kind === 'reward');
    const paid = audit.items.filter((e: Json) => e.kind === 'payout');

    expect(fees).toHaveLength(counts.tasks + counts.reassignedTasks);
    expect(rewards).toHaveLength(counts.completedTasks);
    expect(summary).toMatchObject({
      businessDay,
      feesCents: taken(fees),
      rewardsCents: sum(rewards),
      managementEarningsCents: taken(fees) - sum(rewards),
      payoutsCents: 0,
    });
    const balances = new Map<string, number>();
    for (const e of audit.items) balances.set(e.employeeId, (balances.get(e.employeeId) ?? 0) + e.amountCents);
    expect(summary.employeesInNegative).toBe([...balances.values()].filter((cents) => cents < 0).length);

    expect(earnings.items.at(-1)).toMatchObject({
      businessDay,
      managementEarningsCents: summary.managementEarningsCents,
    });
    expect(earnings.managementEarningsCents).toBe(summary.managementEarningsCents);

    expect(payouts.items).toHaveLength(counts.payouts);
    expect(paid).toHaveLength(counts.payouts);
    expect(payouts.totalCents).toBe(counts.payoutTotalCents);
    expect(payouts.totalCents).toBe(taken(paid));

    expect(topTasks.items).toHaveLength(Math.min(10, counts.completedTasks));
    expect(topTasks.items[0].rewardCents).toBe(Math.max(...rewards.map((e: Json) => e.amountCents)));

    // Task 0 was written the legacy way, `[UP-101] - Feed the parrots, cage 1`.
    const legacy = fees.find((e: Json) => e.jiraId === 'UP-101');
    expect(legacy?.title).toBe('Feed the parrots, cage 1');
  });

  it('ends with at least one payout, each mailed as an .eml file in the home’s outbox', async () => {
    expect(result.counts.payouts).toBeGreaterThanOrEqual(1);
    expect(result.payouts).toHaveLength(result.counts.payouts);
    expect(result.payouts.reduce((total: number, p: Json) => total + p.amountCents, 0)).toBe(
      result.counts.payoutTotalCents,
    );
    const outbox = join(home, 'outbox');
    expect((await readdir(outbox)).filter((name) => name.endsWith('.eml'))).toHaveLength(result.counts.payouts);
    for (const payout of result.payouts) {
      expect(payout.amountCents).toBeGreaterThan(0);
      expect(payout.mail.location.startsWith(outbox)).toBe(true);
      const mail = await readFile(payout.mail.location, 'utf8');
      expect(mail.split('\n').find((line) => line.startsWith('To: '))).toContain(payout.email);
    }
  });

  it('refuses a second demo on the same home, exit 2, and writes nothing', async () => {
    const before = await snapshot(home);
    const again = await ates(['demo', '--home', home]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already holds an aTES database');
    expect(again.stderr).toContain('--home');
    expect(again.stdout).toBe('');
    expect(await snapshot(home)).toEqual(before);
  });

  it('leaves the data for `ates server start`, where a printed credential signs in', async () => {
    const isRunning = (line: Record<string, unknown>) => line.msg === 'aTES is running';
    const { child, line } = await atesUntil(['server', 'start', '--home', home, '--port', '0'], isRunning);
    const term = await terminal(String(line.api));
    try {
      const manager = result.employees.find((e: Json) => e.role === 'manager');
      const login = await term.json(['login', '--email', manager.email], { ATES_PASSWORD: manager.password });
      expect(login.employee).toMatchObject({ email: manager.email, role: 'manager' });
      const tasks = await term.json(['task', 'list', '--all']);
      expect(tasks.items).toHaveLength(result.counts.tasks);
      expect(tasks.items.filter((t: Json) => t.status === 'done')).toHaveLength(result.counts.completedTasks);
    } finally {
      await term.close();
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
