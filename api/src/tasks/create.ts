import { randomInt } from 'node:crypto';
import { ADVISORY_LOCKS, type Database, type Executor, isoTimeSql, tasksPerHour } from '@ates/db';
import type { EventBus, Role } from '@ates/db/bus';
import { sql } from 'drizzle-orm';
import type { CurrentEmployee } from '../http/env.ts';
import { conflict, tooManyRequests } from '../http/problem.ts';
import { ASSIGNABLE, AssignablePool } from './assignable-pool.ts';
import type { CreateTaskInput, Task } from './schemas.ts';
import { moneyData, NO_ASSIGNABLE, PRODUCER, type TaskDeps, taskData, uuidv7 } from './task-rows.ts';
import { titleAndJiraId } from './task-text.ts';

/** Each database's pool of assignable employees, shared by every request of the process. */
const pools = new WeakMap<Database, AssignablePool>();

/** Prices are drawn once, here, and never again: whole dollars, fee $10..$20, reward $20..$40. */
export function drawPrices(): { assignFeeCents: number; rewardCents: number } {
  return { assignFeeCents: randomInt(10, 21) * 100, rewardCents: randomInt(20, 41) * 100 };
}

/** Draws (the pool reloaded after each miss) before answering that nobody can take the task. */
const CREATE_ATTEMPTS = 3;

/** Roles held to `tasksPerHour()`: the ones a task can land on, who could otherwise farm fees and rewards. */
const HOURLY_LIMITED: Role[] = ['worker', 'accountant'];

/**
 * Creates a task on a uniformly random assignable employee other than its creator, drawn from the
 * process's pool. The task and its events go in one statement, which inserts nothing if the
 * employee drawn is no longer assignable: then the pool is reloaded and the draw made again.
 * A worker's or an accountant's task first takes its place in their hourly quota.
 */
export async function createTask({ db, bus }: TaskDeps, creator: CurrentEmployee, input: CreateTaskInput) {
  const { title, jiraId } = titleAndJiraId(input);
  const task = { title, jiraId, description: input.description ?? null, ...drawPrices() };
  const place = (executor: Executor, createdAt: string) =>
    placeTask({ executor, bus, pool: assignablePool(db) }, creator, task, createdAt);
  if (!HOURLY_LIMITED.includes(creator.role)) return place(db, new Date().toISOString());
  return db.transaction(async (tx) => countInHourlyQuota(tx, await place(tx, await takeHourlyQuota(tx, creator))));
}

type NewTask = Pick<Task, 'title' | 'jiraId' | 'description' | 'assignFeeCents' | 'rewardCents'>;

interface Placement {
  executor: Executor;
  bus: EventBus;
  pool: AssignablePool;
}

async function placeTask(
  { executor, bus, pool }: Placement,
  creator: CurrentEmployee,
  fields: NewTask,
  createdAt: string,
) {
  for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
    const assignee = await pool.draw(creator.id);
    if (!assignee) {
      if (attempt > 0) break;
      pool.forget();
      continue;
    }
    const task: Task = {
      id: uuidv7(),
      ...fields,
      status: 'open',
      assigneeId: assignee.id,
      assigneeName: assignee.fullName,
      completedAt: null,
      createdBy: creator.id,
      createdAt,
    };
    const { changed } = await bus.publishWith(
      executor,
      PRODUCER,
      sql`insert into tasks.task (id, title, jira_id, description, assign_fee_cents, reward_cents, assignee_id, created_by, created_at)
        select ${task.id}, ${task.title}, ${task.jiraId}, ${task.description}, ${task.assignFeeCents}, ${task.rewardCents},
          e.id, ${creator.id}, ${createdAt}
        from tasks.employee e where e.id = ${assignee.id} and e.id <> ${creator.id} and ${ASSIGNABLE}
        returning id`,
      [
        { name: 'Task.Created', data: taskData(task) },
        { name: 'TaskAssigned', data: moneyData(task, task.assignFeeCents, createdAt) },
      ],
    );
    if (changed > 0) return task;
    pool.forget();
  }
  throw conflict(NO_ASSIGNABLE);
}

function assignablePool(db: Database): AssignablePool {
  let pool = pools.get(db);
  if (!pool) {
    pool = new AssignablePool(db);
    pools.set(db, pool);
  }
  return pool;
}

/**
 * Counts the creator's tasks of the last hour under a lock of their own, so that creations racing
 * in any number of API processes are counted one after another: each count sees the task of the
 * one before. Prunes what has left the hour. Answers the time to stamp the new task with, in the
 * database's clock, the clock the hour is counted in; a 429 when the quota is used up.
 */
async function takeHourlyQuota(tx: Executor, creator: CurrentEmployee): Promise<string> {
  const limit = tasksPerHour();
  await tx.execute(sql`select pg_advisory_xact_lock(${ADVISORY_LOCKS.taskQuota}, hashtext(${creator.id}))`);
  const [quota] = await tx.execute<{ at: string; retryAfterSeconds: number | null }>(sql`
    with clock as (select clock_timestamp() as at),
    pruned as (
      delete from tasks.creation_quota q using clock
      where q.created_by = ${creator.id} and q.created_at <= clock.at - interval '1 hour'
    )
    select ${isoTimeSql('clock.at')} as at,
      (select extract(epoch from q.created_at + interval '1 hour' - clock.at)::float8
       from tasks.creation_quota q
       where q.created_by = ${creator.id} and q.created_at > clock.at - interval '1 hour'
       order by q.created_at desc offset ${limit - 1} limit 1) as "retryAfterSeconds"
    from clock`);
  if (!quota) throw new Error('the quota query returned no row');
  if (quota.retryAfterSeconds !== null) {
    throw tooManyRequests(
      `You have created ${limit} tasks in the last hour, the most a ${creator.role} may: try again later.`,
      quota.retryAfterSeconds,
    );
  }
  return quota.at;
}

async function countInHourlyQuota(tx: Executor, task: Task): Promise<Task> {
  await tx.execute(sql`
    insert into tasks.creation_quota (task_id, created_by, created_at) values (${task.id}, ${task.createdBy}, ${task.createdAt})`);
  return task;
}
