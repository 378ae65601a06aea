import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topTasks } from '@ates/api/analytics';
import {
  type AnalyticsStore,
  migrateAnalytics,
  openChdbStore,
  projectEvents,
  rebuildReadSide,
} from '@ates/db/analytics';
import type { Envelope, NewEvent } from '@ates/db/bus';
import type { Sql } from 'postgres';
import { benchDatabase, count, seconds } from './support.ts';

const COMPLETED_TASKS = 10_000_000;
const EMPLOYEES = 1_000;
const RUNS = 7;
const LIMIT = 10;
const PROJECTED_EVENTS = 200_000;
const REPLAY_BATCH = 5_000;
const YEAR = { from: '2025-01-01', to: '2025-12-31' };
const MONTH = { from: '2025-06-01', to: '2025-06-30' };

// Both stores hold the same completions: reward and time are functions of the row number, spread
// evenly over 2025; task ids are random. The reward has 21 values ($20..$40), so ties are many.
const REWARD_OF = (n: string) => `(2000 + ((${n} * 7919) % 21) * 100)`;
const MICROSECONDS_APART = (365 * 86_400 * 1_000_000) / COMPLETED_TASKS;

/**
 * The most expensive tasks over 10 million completed tasks on chDB beside the same query on
 * Postgres, then how fast the projection writes events to the read side, alone and replayed
 * from the event log through the bus.
 */
export async function benchAnalytics(): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'ates-bench-analytics-'));
  const store = await openChdbStore(join(home, 'analytics'));
  const { conn, bus, stop } = await benchDatabase();
  try {
    await migrateAnalytics(store);
    const loaded = await timed(() => loadChdb(store));
    console.log(
      `chDB: ${count(COMPLETED_TASKS)} completed tasks (and their tasks and employees) generated in ${seconds(loaded)}`,
    );
    const pgLoaded = await timed(() => loadPostgres(conn.sql));
    console.log(
      `Postgres: the same ${count(COMPLETED_TASKS)} completed tasks generated and indexed in ${seconds(pgLoaded)}`,
    );

    for (const [name, range] of [
      ['a year (all 10M)', YEAR],
      ['a month', MONTH],
    ] as const) {
      const chdb = await median(() => topTasks(store, range, 'UTC', LIMIT));
      const postgres = await median(() => topTasksOnPostgres(conn.sql, range));
      console.log(
        `top-${LIMIT} tasks of ${name}: chDB ${ms(chdb)} (the whole report: ranking, task details, names; target ≤ 100 ms), ` +
          `Postgres ${ms(postgres)} (the ranking alone, index on completed_at): Postgres/chDB = ${(postgres / chdb).toFixed(1)}×`,
      );
    }
    await checkSameAnswer(store, conn.sql);

    const events = workload(PROJECTED_EVENTS);
    const projected = await timed(async () => {
      for (let i = 0; i < events.length; i += REPLAY_BATCH)
        await projectEvents(store, events.slice(i, i + REPLAY_BATCH));
    });
    console.log(
      `projection: ${count(events.length)} events (tasks, completions, ledger entries, employees) in batches of ` +
        `${count(REPLAY_BATCH)} written to chDB in ${seconds(projected)}: ${count(events.length / (projected / 1000))} events/s ` +
        '(target ≥ 50,000/s)',
    );

    const logged = workload(PROJECTED_EVENTS).map(({ event_name, data }) => ({ name: event_name, data }) as NewEvent);
    for (let i = 0; i < logged.length; i += 10_000) {
      await conn.db.transaction((tx) => bus.publish(tx, 'bench', logged.slice(i, i + 10_000)));
    }
    let replayed = 0;
    const rebuilt = await timed(async () => {
      replayed = (await rebuildReadSide(conn.db, bus, store)).delivered;
    });
    console.log(
      `rebuild: ${count(replayed)} events replayed from the Postgres event log through the bus inbox into an emptied ` +
        `chDB in ${seconds(rebuilt)}: ${count(replayed / (rebuilt / 1000))} events/s`,
    );
  } finally {
    await stop();
    await store.close();
    await rm(home, { recursive: true, force: true });
  }
}

async function loadChdb(store: AnalyticsStore): Promise<void> {
  await store.command(`INSERT INTO task_completions (event_id, task_id, employee_id, reward, completed_at_ms)
    SELECT generateUUIDv4() AS event_id, toString(generateUUIDv4()) AS task_id,
      concat('employee-', toString(number % ${EMPLOYEES})) AS employee_id, ${REWARD_OF('number')} AS reward,
      toInt64(1735689600000 + intDiv(number * ${MICROSECONDS_APART}, 1000)) AS completed_at_ms
    FROM numbers(${COMPLETED_TASKS})`);
  await store.command(`INSERT INTO tasks (task_id, title, jira_id, description, version, event_id)
    SELECT task_id, concat('Task ', toString(completed_at_ms)) AS title, concat('UP-', toString(reward)) AS jira_id,
      NULL AS description, toInt64(0) AS version, event_id
    FROM task_completions`);
  await store.command(`INSERT INTO employees (employee_id, full_name, email, role, deleted, version, event_id)
    SELECT concat('employee-', toString(number)) AS employee_id, concat('Popug ', toString(number)) AS full_name,
      concat('popug', toString(number), '@popug.inc') AS email, 'worker' AS role, toUInt8(0) AS deleted,
      toInt64(0) AS version, generateUUIDv4() AS event_id
    FROM numbers(${EMPLOYEES})`);
}

async function loadPostgres(sql: Sql): Promise<void> {
  await sql`create table bench_completions (
    task_id uuid primary key, employee_id text not null, reward bigint not null, completed_at timestamptz not null)`;
  await sql.unsafe(`insert into bench_completions
    select gen_random_uuid(), 'employee-' || (n % ${EMPLOYEES}), ${REWARD_OF('n::bigint')},
      timestamptz '2025-01-01 00:00:00+00' + (n::bigint * ${MICROSECONDS_APART}) * interval '1 microsecond'
    from generate_series(0, ${COMPLETED_TASKS - 1}) n`);
  await sql`create index on bench_completions (completed_at)`;
  await sql`vacuum analyze bench_completions`;
}

/** The ranking the chDB report runs, in Postgres's words. */
function topTasksOnPostgres(sql: Sql, range: { from: string; to: string }) {
  return sql`
    select task_id, employee_id, reward, completed_at from bench_completions
    where completed_at >= (${range.from}::date at time zone 'UTC')
      and completed_at < ((${range.to}::date + 1) at time zone 'UTC')
    order by reward desc, completed_at, task_id limit ${LIMIT}`;
}

/** Both stores rank the same completions; the task ids differ (random), rewards and times must not. */
async function checkSameAnswer(store: AnalyticsStore, sql: Sql): Promise<void> {
  const mine = (await topTasks(store, MONTH, 'UTC', LIMIT)).map((t) => [t.rewardCents, t.completedAt]);
  const theirs = (await topTasksOnPostgres(sql, MONTH)).map((r) => [
    Number(r.reward),
    new Date(r.completed_at).toISOString(),
  ]);
  if (JSON.stringify(mine) !== JSON.stringify(theirs)) {
    throw new Error(`chDB and Postgres rank differently:\n${JSON.stringify(mine)}\n${JSON.stringify(theirs)}`);
  }
}

/** A day's worth of events per task: created, assigned and charged, completed and rewarded. */
export function workload(total: number): Envelope[] {
  const events: Envelope[] = [];
  const employees = Array.from({ length: 100 }, (_, i) => `employee-${i}`);
  const envelope = (event_name: Envelope['event_name'], data: unknown): Envelope =>
    ({
      event_id: randomUUID(),
      event_name,
      event_version: 1,
      event_time: new Date().toISOString(),
      producer: 'bench',
      data,
    }) as Envelope;
  for (const [i, employee_id] of employees.entries()) {
    events.push(
      envelope('Employee.Created', {
        employee_id,
        full_name: `Popug ${i}`,
        role: 'worker',
        email: `popug${i}@popug.inc`,
      }),
    );
  }
  for (let i = 0; events.length < total; i++) {
    const task_id = randomUUID();
    const employee_id = employees[i % employees.length] as string;
    const at = new Date(Date.UTC(2025, 5, 1) + i * 1000).toISOString();
    const business_day = at.slice(0, 10);
    const task = {
      task_id,
      title: `Task ${i}`,
      jira_id: `UP-${i}`,
      description: null,
      fee: 1500,
      reward: 3000,
      assignee: employee_id,
    };
    events.push(
      { ...envelope('Task.Created', { ...task, status: 'open', completed_at: null }), event_version: 2 },
      envelope('TaskAssigned', { task_id, employee_id, amount: 1500, at }),
      envelope('AccountDebited', {
        transaction_id: randomUUID(),
        task_id,
        employee_id,
        amount: 1500,
        at,
        business_day,
      }),
      { ...envelope('Task.Updated', { ...task, status: 'done', completed_at: at }), event_version: 2 },
      envelope('TaskCompleted', { task_id, employee_id, amount: 3000, at }),
      envelope('AccountCredited', {
        transaction_id: randomUUID(),
        task_id,
        employee_id,
        amount: 3000,
        at,
        business_day,
      }),
    );
  }
  return events.slice(0, total);
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** The median of RUNS timed runs, after one to warm up. */
async function median(work: () => Promise<unknown>): Promise<number> {
  await work();
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await timed(work));
  runs.sort((a, b) => a - b);
  return runs[Math.floor(RUNS / 2)] ?? Number.NaN;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
