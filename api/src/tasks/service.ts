import { randomBytes, randomInt } from 'node:crypto';
import {
  type Database,
  type EventBus,
  type Executor,
  type NewEvent,
  observed,
  type Role,
  type TaskData,
  tasksPerHour,
} from '@ates/db';
import { JIRA_ID, splitLegacyTitle } from '@ates/db/bus/legacy-title';
import { ADVISORY_LOCKS } from '@ates/db/postgres/advisory-locks';
import { type SQL, sql } from 'drizzle-orm';
import type { CurrentEmployee } from '../http/env.ts';
import { badRequest, conflict, forbidden, notFound, tooManyRequests } from '../http/problem.ts';
import { ASSIGNABLE, AssignablePool } from './assignable-pool.ts';
import type { CreateTaskInput, ListTasksInput, ReassignResult, Task, UpdateTaskInput } from './schemas.ts';

export interface TaskDeps {
  db: Database;
  bus: EventBus;
}

const PRODUCER = 'tasks';
/** Managers and admins see and list every task; everyone else only the tasks assigned to them. */
const SEES_ALL: Role[] = ['manager', 'admin'];

/** Each database's pool of assignable employees, shared by every request of the process. */
const pools = new WeakMap<Database, AssignablePool>();

const NO_ASSIGNABLE =
  'Nobody can take the task: there is no active worker or accountant other than its creator, ' +
  'and no one is given a task they created. Add one first.';

const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** What a task's events carry, from a task row `t`. */
const EVENT_COLUMNS = `t.id, t.title, t.jira_id as "jiraId", t.description, t.status,
  t.assign_fee_cents as "assignFeeCents", t.reward_cents as "rewardCents", t.assignee_id as "assigneeId",
  ${iso('t.completed_at')} as "completedAt"`;

/** A task as the API shows it: `t` is the task, `e` its assignee. */
const TASK_COLUMNS = sql.raw(`${EVENT_COLUMNS}, e.full_name as "assigneeName", t.created_by as "createdBy",
  ${iso('t.created_at')} as "createdAt"`);

type EventRow = Pick<
  Task,
  'id' | 'title' | 'jiraId' | 'description' | 'status' | 'assignFeeCents' | 'rewardCents' | 'assigneeId' | 'completedAt'
>;

/** A time-ordered UUID (RFC 9562 v7): task ids sort by creation, so the last id seen is the cursor. */
export function uuidv7(): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(Date.now(), 0, 6);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

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
    select ${sql.raw(iso('clock.at'))} as at,
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

/** `[UP-42] - Fix the beak` → UP-42 + `Fix the beak`; a jiraId given beside it must agree. */
function titleAndJiraId(input: CreateTaskInput): { title: string; jiraId: string | null } {
  const split = splitLegacyTitle(input.title);
  if (split.jiraId && input.jiraId && split.jiraId !== input.jiraId) {
    throw badRequest(`The title carries the jira id ${split.jiraId} but jiraId is ${input.jiraId}; give one of them.`);
  }
  const jiraId = input.jiraId ?? split.jiraId;
  if (jiraId !== null && !JIRA_ID.test(jiraId)) {
    throw badRequest(`The jira id ${jiraId} must look like UP-42.`);
  }
  if (split.title === '') throw badRequest('The title is empty once the jira id is taken out of it.');
  if (/[[\]]/.test(split.title)) {
    throw badRequest('The title must not contain [ or ]: put the jira id in jiraId, or write it as "[UP-42] - Title".');
  }
  return { title: split.title, jiraId };
}

/**
 * A page of tasks, newest first. Workers and accountants see only their own: asking for someone
 * else's is refused (403) rather than silently answered with an empty page.
 */
export async function listTasks(db: Database, caller: CurrentEmployee, query: ListTasksInput) {
  const asked = query.assignee === 'me' || query.assignee?.toLowerCase() === caller.email ? caller.id : query.assignee;
  if (!SEES_ALL.includes(caller.role) && asked !== undefined && asked !== caller.id) {
    throw forbidden('Workers and accountants list only their own tasks.');
  }
  const assignee = SEES_ALL.includes(caller.role) ? asked : caller.id;
  const conditions: SQL[] = [sql`true`];
  if (assignee?.includes('@')) {
    conditions.push(sql`t.assignee_id in (select id from tasks.employee where lower(email) = lower(${assignee}))`);
  } else if (assignee !== undefined) conditions.push(sql`t.assignee_id = ${assignee}`);
  if (query.status) conditions.push(sql`t.status = ${query.status}`);
  if (query.jiraId)
    conditions.push(sql`t.id in (select task_id from tasks.task_search where jira_id = ${query.jiraId})`);
  if (query.search) {
    const pattern = `%${query.search.replaceAll(/[\\%_]/g, '\\$&')}%`;
    conditions.push(sql`t.id in (select task_id from tasks.task_search where text ilike ${pattern})`);
  }
  if (query.cursor) conditions.push(sql`t.id < ${query.cursor}`);
  const rows = await db.execute<Task>(sql`
    select ${TASK_COLUMNS} from tasks.task t join tasks.employee e on e.id = t.assignee_id
    where ${sql.join(conditions, sql` and `)}
    order by t.id desc limit ${query.limit + 1}`);
  const items = rows.slice(0, query.limit);
  return { items, nextCursor: rows.length > query.limit ? (items.at(-1)?.id ?? null) : null };
}

/** The task if the caller may see it; otherwise a 404 that does not tell whether it exists. */
export async function getTask(db: Executor, caller: CurrentEmployee, id: string): Promise<Task> {
  const [row] = await db.execute<Task>(sql`
    select ${TASK_COLUMNS} from tasks.task t join tasks.employee e on e.id = t.assignee_id where t.id = ${id}`);
  if (!row || !(SEES_ALL.includes(caller.role) || row.assigneeId === caller.id)) {
    throw notFound(`No task ${id} that you can see.`);
  }
  return row;
}

/**
 * Marks the caller's open task done. The update locks the row, so against a reassign running at
 * the same moment either this wins (the reassign skips the task) or it waits and finds the task
 * gone to someone else.
 */
export async function completeTask({ db, bus }: TaskDeps, caller: CurrentEmployee, id: string) {
  return db.transaction(async (tx) => {
    const [row] = await tx.execute<Task>(sql`
      with t as (
        update tasks.task set status = 'done', completed_at = now()
        where id = ${id} and status = 'open' and assignee_id = ${caller.id}
        returning *
      )
      select ${TASK_COLUMNS} from t join tasks.employee e on e.id = t.assignee_id`);
    if (!row) throw await whyNotCompleted(tx, caller, id);
    await bus.publish(tx, PRODUCER, [
      { name: 'Task.Updated', data: taskData(row) },
      { name: 'TaskCompleted', data: moneyData(row, row.rewardCents, row.completedAt as string) },
    ]);
    return row;
  });
}

/**
 * Changes an open task's title, jira id or description and publishes its new state as a
 * Task.Updated, in one transaction that holds the task's row: a complete arriving meanwhile
 * waits, then finds the new text. The creator, managers and admins may edit; the assignee may
 * see the task but not edit it (403); anyone else is told no such task exists (404). An edit
 * that changes nothing writes and publishes nothing.
 */
export async function editTask({ db, bus }: TaskDeps, caller: CurrentEmployee, id: string, input: UpdateTaskInput) {
  return db.transaction(async (tx) => {
    const [before] = await tx.execute<Task>(sql`
      select ${TASK_COLUMNS} from tasks.task t join tasks.employee e on e.id = t.assignee_id
      where t.id = ${id} for update of t`);
    const mayEdit = before && (SEES_ALL.includes(caller.role) || before.createdBy === caller.id);
    if (!before || !(mayEdit || before.assigneeId === caller.id)) throw notFound(`No task ${id} that you can see.`);
    if (!mayEdit) throw forbidden('Only the task’s creator, a manager or an admin can edit it.');
    if (before.status === 'done') throw conflict(`Task ${id} is done: a done task can no longer be edited.`);
    const after = { ...before, ...editedText(before, input) };
    if (after.title === before.title && after.jiraId === before.jiraId && after.description === before.description) {
      return before;
    }
    await tx.execute(sql`
      update tasks.task set title = ${after.title}, jira_id = ${after.jiraId}, description = ${after.description}
      where id = ${id}`);
    await bus.publish(tx, PRODUCER, [{ name: 'Task.Updated', data: taskData(after) }]);
    return after;
  });
}

/** The text after an edit: a legacy `[UP-42] - Title` sets the jira id too, unless jiraId is given. */
function editedText(before: Task, input: UpdateTaskInput): Pick<Task, 'title' | 'jiraId' | 'description'> {
  const split =
    input.title === undefined ? undefined : titleAndJiraId({ title: input.title, jiraId: input.jiraId ?? undefined });
  return {
    title: split?.title ?? before.title,
    jiraId: input.jiraId !== undefined ? (input.jiraId ?? split?.jiraId ?? null) : (split?.jiraId ?? before.jiraId),
    description: input.description === undefined ? before.description : input.description,
  };
}

async function whyNotCompleted(tx: Executor, caller: CurrentEmployee, id: string) {
  const task = await getTask(tx, caller, id);
  if (task.status === 'done') return conflict(`Task ${id} is already done.`);
  return forbidden(`Only the assignee, ${task.assigneeName}, can complete task ${id}.`);
}

/** Open tasks moved per UPDATE of a reassign. */
const REASSIGN_CHUNK = 10_000;

/**
 * Gives every open task to a uniformly random assignable employee other than its creator and
 * publishes a Task.Updated and a TaskAssigned (charging the fee again) for each, all in one
 * transaction. A 409 when no open task can move. The tasks move in a few set-based UPDATEs over
 * ranges of ids, sent together: Postgres moves one range while the events of the range before are
 * built and checked here. Each UPDATE locks the tasks it moves and checks they are still open once
 * it holds the lock: a task completed first stays put; a complete that comes second waits, then
 * finds the task moved.
 */
export async function reassignOpenTasks({ db, bus }: TaskDeps): Promise<ReassignResult> {
  return db.transaction(async (tx) => {
    const [{ at } = { at: '' }] = await tx.execute<{ at: string }>(
      sql`select pg_advisory_xact_lock(${ADVISORY_LOCKS.reassign}), ${sql.raw(iso('now()'))} as at`,
    );
    const starts = await tx.execute<{ id: string }>(sql`
      select id from (select id, row_number() over (order by id) as n from tasks.task where status = 'open') t
      where n % ${REASSIGN_CHUNK} = 1 order by id`);
    const moves = starts.map(({ id }, i) => observed(tx.execute<EventRow>(moveOpenTasks(id, starts[i + 1]?.id))));
    const publishes: Promise<unknown>[] = [];
    const employees = new Set<string>();
    let movedTasks = 0;
    try {
      for (const move of moves) {
        const rows = await move;
        movedTasks += rows.length;
        for (const row of rows) employees.add(row.assigneeId);
        const events = rows.flatMap((row): NewEvent[] => [
          { name: 'Task.Updated', data: taskData(row) },
          { name: 'TaskAssigned', data: moneyData(row, row.assignFeeCents, at) },
        ]);
        publishes.push(observed(bus.publish(tx, PRODUCER, events)));
      }
      await Promise.all(publishes);
    } catch (error) {
      await Promise.allSettled([...moves, ...publishes]);
      throw error;
    }
    if (movedTasks === 0) {
      // Nothing moved: either nobody is assignable, or every open task has only its creator left.
      const [stuck] = await tx.execute<{ stuck: boolean }>(sql`
        select not exists (select from tasks.employee e where ${ASSIGNABLE})
          or exists (select from tasks.task where status = 'open') as stuck`);
      if (stuck?.stuck) throw conflict(NO_ASSIGNABLE);
    }
    return { movedTasks, employees: employees.size };
  });
}

/**
 * Moves the open tasks with ids from `from` up to (not including) `to` to random assignable
 * employees other than their creators. A task whose creator is in the pool draws one of the other
 * n - 1 places and steps over the creator's: uniform over the others, with one random() per task.
 * A task that only its creator could take stays where it is.
 */
function moveOpenTasks(from: string, to: string | undefined) {
  return sql`
    with pool as (
      select e.id, row_number() over (order by e.id) as n from tasks.employee e where ${ASSIGNABLE}
    ), size as (
      select count(*) as n from pool
    ), drawn as (
      select t.id, creator.n as creator, floor(random() * (size.n - (creator.n is not null)::int))::bigint + 1 as n
      from tasks.task t cross join size left join pool creator on creator.id = t.created_by
      where t.status = 'open' and size.n - (creator.n is not null)::int > 0
        and t.id >= ${from} ${to === undefined ? sql`` : sql`and t.id < ${to}`}
    ), picked as (
      select id, case when n >= creator then n + 1 else n end as n from drawn
    )
    update tasks.task t set assignee_id = pool.id
    from picked join pool on pool.n = picked.n
    where t.id = picked.id and t.status = 'open'
    returning ${sql.raw(EVENT_COLUMNS)}`;
}

function taskData(task: EventRow): TaskData {
  return {
    task_id: task.id,
    title: task.title,
    jira_id: task.jiraId,
    description: task.description,
    status: task.status,
    fee: task.assignFeeCents,
    reward: task.rewardCents,
    assignee: task.assigneeId,
    completed_at: task.completedAt,
  };
}

function moneyData(task: EventRow, amount: number, at: string) {
  return { task_id: task.id, employee_id: task.assigneeId, amount, at };
}
