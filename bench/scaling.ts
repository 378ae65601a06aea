import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reassignOpenTasks } from '@ates/api/tasks';
import { connectPostgres } from '@ates/db';
import { migrateAnalytics, openChdbStore, projectEvents, READ_SIDE_TABLES } from '@ates/db/analytics';
import { closeBusinessDay } from '@ates/jobs/accounting';
import { sql } from 'drizzle-orm';
import { AtesProcess } from '../test/support/ates-process.ts';
import { workload } from './analytics.ts';
import { benchDatabase, call, count, seconds, signIn, untilAssignable } from './support.ts';
import { overHttpPerSecond, seedEmployees, seedOpenTasks } from './tasks.ts';

/** `ATES_BENCH_SCALING_SIZES=1000,10000` runs other sizes (a quick look); the figures asked for are these. */
const SIZES = (process.env.ATES_BENCH_SCALING_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const REASSIGN_EMPLOYEES = 10_000;
const PROJECTION_BATCH = 5_000;
const HTTP_CLIENTS = 32;

/**
 * How the costs grow: each operation at 10k, 100k and 1M, with its time per item. A time per item
 * that stays flat is linear growth; one that climbs with the size is worse than linear.
 */
export async function benchScaling(): Promise<void> {
  const rows: string[][] = [['operation', ...SIZES.map(count), 'per item at each size']];
  rows.push(await scale('reassign of open tasks', 'task', reassignAt));
  rows.push(await scale('close-day over employees with balances', 'employee', closeDayAt));
  rows.push(await scale('analytics projection into chDB', 'event', projectionAt()));
  printTable(rows);
  await httpAgainstApis([1, 2]);
}

async function scale(name: string, item: string, run: (n: number) => Promise<number>): Promise<string[]> {
  const times: number[] = [];
  for (const n of SIZES) times.push(await run(n));
  const perItem = times.map((ms, i) => `${((ms * 1000) / (SIZES[i] as number)).toFixed(1)} µs`);
  return [name, ...times.map(seconds), `${perItem.join(' / ')} per ${item}`];
}

async function reassignAt(n: number): Promise<number> {
  const { conn, bus, stop } = await benchDatabase();
  try {
    await seedEmployees(conn.db, REASSIGN_EMPLOYEES);
    await seedOpenTasks(conn.db, n, REASSIGN_EMPLOYEES);
    await conn.db.execute(sql`vacuum analyze tasks.task`);
    const started = performance.now();
    const { movedTasks } = await reassignOpenTasks({ db: conn.db, bus });
    const took = performance.now() - started;
    if (movedTasks !== n) throw new Error(`reassign moved ${movedTasks} of ${n} tasks`);
    return took;
  } finally {
    await stop();
  }
}

async function closeDayAt(n: number): Promise<number> {
  const { conn, bus, stop } = await benchDatabase();
  try {
    await seedBalances(conn.db, n);
    const started = performance.now();
    const closed = await closeBusinessDay(conn.db, bus, { timeZone: 'UTC', closedBy: 'bench' });
    const took = performance.now() - started;
    if (closed.payoutCount !== n) throw new Error(`close-day paid ${closed.payoutCount} of ${n} employees`);
    return took;
  } finally {
    await stop();
  }
}

/** `n` employees, each with a posted reward of $30 today: every one of them is paid at the close. */
async function seedBalances(db: Parameters<typeof closeBusinessDay>[0], n: number): Promise<void> {
  for (let first = 1; first <= n; first += 100_000) {
    const last = Math.min(n, first + 99_999);
    await db.execute(sql`
      insert into accounting.accounts (kind, employee_id)
      select 'employee', 'bench-' || i from generate_series(${first}::int, ${last}::int) as i`);
    await db.execute(sql`
      with posted as (
        insert into accounting.transactions (id, kind, employee_id, task_id, source_event_id, business_day, occurred_at)
        select gen_random_uuid(), 'reward', 'bench-' || i, 'task-' || i, gen_random_uuid(),
          (now() at time zone 'UTC')::date, now()
        from generate_series(${first}::int, ${last}::int) as i
        returning id, employee_id, business_day)
      insert into accounting.entries (transaction_id, account_id, amount, business_day)
      select p.id, a.id, 3000, p.business_day from posted p join accounting.accounts a on a.employee_id = p.employee_id
      union all
      select p.id, (select id from accounting.accounts where kind = 'company'), -3000, p.business_day from posted p`);
  }
  await db.execute(sql`vacuum analyze accounting.accounts`);
}

/** One chDB for every size (a process holds one), emptied between them. */
function projectionAt() {
  return async (n: number): Promise<number> => {
    const home = await mkdtemp(join(tmpdir(), 'ates-bench-scaling-'));
    const store = await openChdbStore(join(home, 'analytics'));
    try {
      await migrateAnalytics(store);
      for (const table of READ_SIDE_TABLES) await store.command(`TRUNCATE TABLE ${table}`);
      const events = workload(n);
      const started = performance.now();
      for (let i = 0; i < events.length; i += PROJECTION_BATCH) {
        await projectEvents(store, events.slice(i, i + PROJECTION_BATCH));
      }
      return performance.now() - started;
    } finally {
      await store.close();
      await rm(home, { recursive: true, force: true });
    }
  };
}

/** Task creation over HTTP against 1 and then 2 `--api-only` processes, with a `--workers-only` one. */
async function httpAgainstApis(apiCounts: number[]): Promise<void> {
  const { url, stop } = await benchDatabase();
  const admin = { email: 'admin@popug.inc', password: 'bench-admin-password' };
  const env = {
    DATABASE_URL: url,
    ATES_ADMIN_EMAIL: admin.email,
    ATES_ADMIN_PASSWORD: admin.password,
    // The API processes of one installation share the secret their session tokens are signed with.
    ATES_AUTH_SECRET: randomBytes(32).toString('base64'),
  };
  const processes = [
    new AtesProcess('workers', 'workers', env),
    ...Array.from({ length: Math.max(...apiCounts) }, (_, i) => new AtesProcess(`api-${i + 1}`, 'api', env)),
  ];
  try {
    for (const p of processes) await p.start();
    const apis = processes.slice(1).map((p) => p.url);
    const boss = await signIn(apis[0] as string, admin.email, admin.password);
    const managers = [];
    for (let i = 0; i < HTTP_CLIENTS; i++) {
      const email = `manager${i}@popug.inc`;
      const password = `manager-password-${i}`;
      await call(apis[0] as string, 'POST', '/v1/employees', boss, {
        email,
        fullName: `Manager ${i}`,
        role: 'manager',
        password,
      });
      managers.push(await signIn(apis[i % apis.length] as string, email, password));
    }
    for (let i = 0; i < 4; i++) {
      const email = `worker${i}@popug.inc`;
      await call(apis[0] as string, 'POST', '/v1/employees', boss, {
        email,
        fullName: `Worker ${i}`,
        role: 'worker',
        password: `worker-password-${i}`,
      });
    }
    const conn = connectPostgres(url, { max: 1 });
    await untilAssignable(conn.db, 4);
    await conn.close();
    const figures = [];
    for (const n of apiCounts) {
      const { perSecond, failed } = await overHttpPerSecond(apis.slice(0, n), 'POST', '/v1/tasks', managers);
      figures.push(`${n} API process${n > 1 ? 'es' : ''}: ${count(perSecond)} tasks/s (${count(failed)} failed)`);
    }
    console.log(
      `task creation over HTTP, ${HTTP_CLIENTS} clients spread over --api-only processes, a --workers-only one ` +
        `running, one Postgres: ${figures.join('; ')} (2 cores: the point is that it works, not that it doubles)`,
    );
  } finally {
    for (const p of processes) await p.stop();
    await stop();
  }
}

function printTable(rows: string[][]): void {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  '));
}
