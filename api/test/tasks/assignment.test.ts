import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CurrentEmployee } from '../../src/http/env.ts';
import { completeTask } from '../../src/tasks/complete.ts';
import { createTask, drawPrices } from '../../src/tasks/create.ts';
import { reassignOpenTasks } from '../../src/tasks/reassign.ts';
import { hire, inParallel, type TasksDatabase, tasksDatabase } from './support.ts';

/**
 * Chi-square critical values at p = 1e-6 (scipy.stats.chi2.isf(1e-6, df)): a fair draw fails
 * these tests once in a million runs; a biased one (say, one employee at 25% instead of 20%
 * over 2,000 tasks, χ² ≈ 62) fails them every time.
 */
const CHI2_CRITICAL = { 4: 33.38, 10: 46.86, 15: 56.49, 20: 65.42 } as const;
const TASKS = 2_000;

function chiSquare(observed: number[], total: number): number {
  const expected = total / observed.length;
  return observed.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
}

let db: TasksDatabase;
let assignable: CurrentEmployee[];
let bosses: CurrentEmployee[];

async function countsByAssignee(): Promise<Map<string, number>> {
  const rows = await db.conn.db.execute<{ assignee: string; n: number }>(
    sql`select assignee_id as assignee, count(*)::int as n from tasks.task where status = 'open' group by 1`,
  );
  return new Map(rows.map((r) => [r.assignee, r.n]));
}

/**
 * Each creator's tasks are drawn over the four assignable employees other than the creator: the
 * sum of the five per-creator statistics (3 degrees of freedom each) has 15.
 */
async function chiSquareByCreator(): Promise<number> {
  const rows = await db.conn.db.execute<{ creator: string; assignee: string; n: number }>(
    sql`select created_by as creator, assignee_id as assignee, count(*)::int as n
        from tasks.task where status = 'open' group by 1, 2`,
  );
  return assignable.reduce((sum, creator) => {
    const mine = rows.filter((r) => r.creator === creator.id);
    const others = assignable.filter((e) => e.id !== creator.id);
    const observed = others.map((e) => mine.find((r) => r.assignee === e.id)?.n ?? 0);
    return (
      sum +
      chiSquare(
        observed,
        observed.reduce((a, b) => a + b, 0),
      )
    );
  }, 0);
}

async function selfAssigned(): Promise<number> {
  const [row] = await db.conn.db.execute<{ n: number }>(
    sql`select count(*)::int as n from tasks.task where assignee_id = created_by`,
  );
  return row?.n ?? 0;
}

async function prices() {
  return db.conn.db.execute<{ id: string; fee: number; reward: number }>(
    sql`select id, assign_fee_cents as fee, reward_cents as reward from tasks.task order by id`,
  );
}

beforeAll(async () => {
  db = await tasksDatabase();
  assignable = [...(await hire(db.conn, 'worker', 4)), ...(await hire(db.conn, 'accountant'))];
  bosses = [...(await hire(db.conn, 'admin')), ...(await hire(db.conn, 'manager'))];
  vi.stubEnv('ATES_TASKS_PER_HOUR', String(TASKS));
  // Every worker and accountant creates a fifth of the tasks, each a draw over the other four.
  await inParallel(
    Array.from({ length: TASKS }, (_, i) => i),
    8,
    (i) => createTask(db.deps, assignable[i % assignable.length] as CurrentEmployee, { title: `Task ${i}` }),
  );
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await db.stop();
});

describe('assignment', () => {
  it('gives a new task to a uniformly random worker or accountant other than its creator, never to a boss', async () => {
    const counts = await countsByAssignee();
    for (const boss of bosses) expect(counts.get(boss.id)).toBeUndefined();
    expect(await selfAssigned()).toBe(0);
    const observed = assignable.map((e) => counts.get(e.id) ?? 0);
    expect(observed.reduce((a, b) => a + b, 0)).toBe(TASKS);
    expect(chiSquare(observed, TASKS)).toBeLessThan(CHI2_CRITICAL[4]);
    expect(await chiSquareByCreator()).toBeLessThan(CHI2_CRITICAL[15]);
  });

  it('draws again, uniformly over everyone but the creator, for every open task on reassign', async () => {
    const before = await db.conn.db.execute<{ id: string; assignee: string }>(
      sql`select id, assignee_id as assignee from tasks.task order by id`,
    );
    expect(await reassignOpenTasks(db.deps)).toEqual({ movedTasks: TASKS, employees: assignable.length });
    const counts = await countsByAssignee();
    for (const boss of bosses) expect(counts.get(boss.id)).toBeUndefined();
    expect(await selfAssigned()).toBe(0);
    expect(
      chiSquare(
        assignable.map((e) => counts.get(e.id) ?? 0),
        TASKS,
      ),
    ).toBeLessThan(CHI2_CRITICAL[4]);
    expect(await chiSquareByCreator()).toBeLessThan(CHI2_CRITICAL[15]);

    const after = await db.conn.db.execute<{ id: string; assignee: string }>(
      sql`select id, assignee_id as assignee from tasks.task order by id`,
    );
    const kept = after.filter((row, i) => row.assignee === before[i]?.assignee).length;
    // Each task stays with its assignee with probability 1/4: about 500 of 2,000, never 0 or all.
    expect(kept).toBeGreaterThan(350);
    expect(kept).toBeLessThan(650);
  });
});

describe('prices', () => {
  it('are whole dollars, fee $10..$20 and reward $20..$40, each value equally likely', async () => {
    const rows = await prices();
    const fees = rows.map((r) => r.fee);
    const rewards = rows.map((r) => r.reward);
    for (const fee of fees) expect(fee % 100 === 0 && fee >= 1000 && fee <= 2000).toBe(true);
    for (const reward of rewards) expect(reward % 100 === 0 && reward >= 2000 && reward <= 4000).toBe(true);
    const tally = (values: number[], from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => values.filter((v) => v === (from + i) * 100).length);
    expect(chiSquare(tally(fees, 10, 20), TASKS)).toBeLessThan(CHI2_CRITICAL[10]);
    expect(chiSquare(tally(rewards, 20, 40), TASKS)).toBeLessThan(CHI2_CRITICAL[20]);
  });

  it('stay in range over many draws', () => {
    for (let i = 0; i < 50_000; i++) {
      const { assignFeeCents, rewardCents } = drawPrices();
      expect(Number.isInteger(assignFeeCents / 100) && assignFeeCents >= 1000 && assignFeeCents <= 2000).toBe(true);
      expect(Number.isInteger(rewardCents / 100) && rewardCents >= 2000 && rewardCents <= 4000).toBe(true);
    }
  });

  it('are fixed at creation: reassigning and completing never change them, and events carry them', async () => {
    const before = await prices();
    await reassignOpenTasks(db.deps);
    const open = await db.conn.db.execute<{ id: string; assignee: string }>(
      sql`select id, assignee_id as assignee from tasks.task where status = 'open' limit 100`,
    );
    for (const task of open) {
      const assignee = assignable.find((e) => e.id === task.assignee) as CurrentEmployee;
      await completeTask(db.deps, assignee, task.id);
    }
    await reassignOpenTasks(db.deps);
    expect(await prices()).toEqual(before);

    const byId = new Map(before.map((r) => [r.id, r]));
    const events = await db.conn.db.execute<{ name: string; task: string; amount: number; fee: number }>(
      sql`select event_name as name, data->>'task_id' as task, (data->>'amount')::int as amount,
            (data->>'fee')::int as fee
          from bus.event_log where producer = 'tasks'`,
    );
    for (const event of events) {
      const task = byId.get(event.task);
      if (event.name === 'TaskAssigned') expect(event.amount).toBe(task?.fee);
      else if (event.name === 'TaskCompleted') expect(event.amount).toBe(task?.reward);
      else expect(event.fee).toBe(task?.fee);
    }
    // Creation, the reassign of the test above, two reassigns here (the second without the 100 done).
    const assigned = events.filter((e) => e.name === 'TaskAssigned').length;
    expect(assigned).toBe(TASKS * 4 - 100);
    expect(events.filter((e) => e.name === 'TaskCompleted')).toHaveLength(100);
  });
});
