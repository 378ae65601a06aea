import { connectPostgres, type PostgresConnection } from '@ates/db';
import { until } from '@ates/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CurrentEmployee } from '../../src/http/env.ts';
import { ApiError } from '../../src/http/problem.ts';
import { completeTask } from '../../src/tasks/complete.ts';
import { createTask } from '../../src/tasks/create.ts';
import { reassignOpenTasks } from '../../src/tasks/reassign.ts';
import type { TaskDeps } from '../../src/tasks/task-rows.ts';
import { hire, inParallel, type TasksDatabase, tasksDatabase } from './support.ts';

/** Completes tried on each side of a stalled reassign, well within the completers' 40 connections. */
const CONTENDERS = 15;
const spread = <T>(items: T[]) => items.filter((_, i) => i % Math.ceil(items.length / CONTENDERS) === 0);

/** Locks are watched closely, and a loaded machine gets long to reach them. */
const RACE_WAIT = { timeoutMs: 30_000, pollMs: 10 };

let db: TasksDatabase;
/** A pool of its own for the completes: real transactions on other connections than the reassign's. */
let completers: PostgresConnection;
let completerDeps: TaskDeps;
let workers: CurrentEmployee[];

type LoggedEvent = {
  position: number;
  publishId: string;
  name: string;
  taskId: string;
  employeeId: string | null;
};

async function openTasks() {
  return db.conn.db.execute<{ id: string; assignee: string }>(
    sql`select id, assignee_id as assignee from tasks.task where status = 'open' order by id`,
  );
}

/** Completes a task as `assignee`; a task moved away meanwhile is a 404, which is an outcome here. */
async function tryComplete(task: { id: string; assignee: string }): Promise<'done' | number> {
  const assignee = workers.find((w) => w.id === task.assignee) as CurrentEmployee;
  try {
    await completeTask(completerDeps, assignee, task.id);
    return 'done';
  } catch (error) {
    if (error instanceof ApiError) return error.status;
    throw error;
  }
}

/** The backends waiting for a lock that `pid` holds. */
async function blockedBy(pid: number): Promise<number[]> {
  const rows = await db.conn.db.execute<{ pid: number }>(
    sql`select pid from pg_stat_activity where ${pid} = any(pg_blocking_pids(pid))`,
  );
  return rows.map((r) => r.pid);
}

beforeAll(async () => {
  db = await tasksDatabase();
  completers = connectPostgres(db.url, { max: 40 });
  completerDeps = { db: completers.db, bus: db.bus };
  workers = await hire(db.conn, 'worker', 5);
  const [manager] = await hire(db.conn, 'manager');
  await inParallel(
    Array.from({ length: 1_500 }, (_, i) => i),
    8,
    (i) => createTask(db.deps, manager as CurrentEmployee, { title: `Race ${i}` }),
  );
});

afterAll(async () => {
  await completers.close();
  await db.stop();
});

describe('reassignOpenTasks against concurrent completes', () => {
  it('never moves or charges a task completed first; a complete that comes second finds the task moved', async () => {
    const before = await openTasks();
    // The reassign locks tasks in the order it scans them, on disk here: the middle one on disk
    // stops it halfway, with tasks locked behind it and tasks still free ahead of it.
    const [held] = await db.conn.db.execute<{ id: string; assignee: string }>(
      sql`select id, assignee_id as assignee from tasks.task where status = 'open'
          order by ctid offset ${Math.floor(before.length / 2)} limit 1`,
    );
    if (held === undefined) throw new Error('no open task to hold');
    let blockerPid = 0;
    let release = () => {};
    const blocker = db.conn.db.transaction(async (tx) => {
      const [row] = await tx.execute<{ pid: number }>(
        sql`select pg_backend_pid() as pid from tasks.task where id = ${held.id} for update`,
      );
      blockerPid = row?.pid ?? 0;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await until(async () => blockerPid !== 0, RACE_WAIT);
    const reassign = reassignOpenTasks(db.deps);
    const [reassigner = 0] = await until(
      () => blockedBy(blockerPid).then((pids) => pids.length === 1 && pids),
      RACE_WAIT,
    );

    // Stalled on the held task, the reassign holds what it has locked so far; the rest are free.
    const free = new Set(
      (
        await db.conn.db.execute<{ id: string }>(
          sql`select id from tasks.task where status = 'open' and id <> ${held.id} for share skip locked`,
        )
      ).map((row) => row.id),
    );
    const others = before.filter((task) => task.id !== held.id);
    // At most CONTENDERS of each, spread over the order: a locked one keeps its connection until the
    // reassign commits, and more of them than the completers' pool holds would queue the rest unseen.
    const freeContenders = spread(others.filter((task) => free.has(task.id)));
    const lockedContenders = spread(others.filter((task) => !free.has(task.id)));
    expect(freeContenders.length).toBeGreaterThan(0);
    expect(lockedContenders.length).toBeGreaterThan(0);

    const contenders = [...freeContenders, ...lockedContenders];
    const outcomes = new Map<string, 'done' | number>();
    const completes = contenders.map((task) => tryComplete(task).then((outcome) => outcomes.set(task.id, outcome)));
    await until(async () => (await blockedBy(reassigner)).length + outcomes.size === contenders.length, RACE_WAIT);
    const firstOutcomes = new Map(outcomes);
    release();
    await blocker;
    const moved = await reassign;
    await Promise.all(completes);

    // Every free task completes at once and stays put; every locked one waits for the reassign.
    expect(freeContenders.map((task) => firstOutcomes.get(task.id))).toEqual(freeContenders.map(() => 'done'));
    expect(lockedContenders.filter((task) => firstOutcomes.has(task.id))).toEqual([]);
    // Once moved, a task is someone else's (a 404), unless the draw gave it back to its assignee.
    const secondOutcomes = lockedContenders.map((task) => outcomes.get(task.id));
    expect(secondOutcomes.filter((o) => o !== 'done' && o !== 404)).toEqual([]);
    expect(secondOutcomes.filter((o) => o === 404).length).toBeGreaterThan(0);
    expect(moved.movedTasks).toBe(before.length - freeContenders.length);
    await expectConsistentHistory();
  });

  it('keeps every task consistent under a storm of completes around a second reassign', async () => {
    const before = await openTasks();
    const storm = before.filter((_, i) => i % 3 === 0);
    const half = Math.floor(storm.length / 2);
    const early = inParallel(storm.slice(0, half), 20, tryComplete);
    const moved = reassignOpenTasks(db.deps);
    const late = inParallel(storm.slice(half), 20, tryComplete);
    const outcomes = [...(await early), ...(await late)];
    await moved;

    expect(outcomes.filter((o) => o !== 'done' && o !== 404)).toEqual([]);
    expect(outcomes.filter((o) => o === 'done').length).toBeGreaterThan(0);
    await expectConsistentHistory();
  });
});

/**
 * Reads the event log back: for each task the charges and completions must tell one story that
 * ends in the task's current state, with no charge after a completion.
 */
async function expectConsistentHistory() {
  const events = await db.conn.db.execute<LoggedEvent>(
    sql`select position, publish_id as "publishId", event_name as name, data->>'task_id' as "taskId",
          data->>'employee_id' as "employeeId"
        from bus.event_log where event_name in ('TaskAssigned', 'TaskCompleted') order by position`,
  );
  const tasks = await db.conn.db.execute<{ id: string; status: string; assignee: string }>(
    sql`select id, status, assignee_id as assignee from tasks.task`,
  );
  const history = Map.groupBy(events, (e) => e.taskId);
  const problems: string[] = [];
  for (const task of tasks) {
    const own = history.get(task.id) ?? [];
    const completions = own.filter((e) => e.name === 'TaskCompleted');
    const done = own.findIndex((e) => e.name === 'TaskCompleted');
    const charges = own.filter((e) => e.name === 'TaskAssigned');
    if (completions.length !== (task.status === 'done' ? 1 : 0))
      problems.push(`${task.id}: ${completions.length} completions`);
    if (done >= 0 && done !== own.length - 1) problems.push(`${task.id}: charged again after its completion`);
    if (done > 0 && own[done - 1]?.employeeId !== own[done]?.employeeId) {
      problems.push(`${task.id}: completed by someone other than the last one charged`);
    }
    if (charges.at(-1)?.employeeId !== task.assignee) problems.push(`${task.id}: last charge is not its assignee`);
    const perPublish = Map.groupBy(charges, (e) => e.publishId);
    if ([...perPublish.values()].some((c) => c.length > 1)) problems.push(`${task.id}: charged twice by one reassign`);
  }
  expect(problems).toEqual([]);
}
