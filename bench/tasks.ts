import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Executor } from '@ates/db';
import { sql } from 'drizzle-orm';
import type { CurrentEmployee } from '../api/src/http/env.ts';
import { createTask, drawPrices, reassignOpenTasks, type TaskDeps, uuidv7 } from '../api/src/tasks/service.ts';
import { startRuntime } from '../cli/src/server/runtime.ts';
import { benchDatabase, count, seconds } from './support.ts';

const OPEN_TASKS = 100_000;
const EMPLOYEES = 10_000;
/** The naive loop runs on this many tasks and is extrapolated: 100,000 of them take minutes. */
const NAIVE_SAMPLE = 2_000;
const HTTP_CLIENTS = 32;
const HTTP_SECONDS = 10;
const HTTP_CLIENTS_SCRIPT = new URL('./http-clients.ts', import.meta.url);
const run = promisify(execFile);

/** Set-based reassign against the per-task loop it replaces, then task creation over HTTP. */
export async function benchTasks(): Promise<void> {
  await benchReassign();
  await benchHttpCreate();
}

async function benchReassign(): Promise<void> {
  const { conn, bus, stop } = await benchDatabase();
  try {
    const deps: TaskDeps = { db: conn.db, bus };
    await seedEmployees(conn.db, EMPLOYEES);
    await seedOpenTasks(conn.db, OPEN_TASKS);
    await conn.db.execute(sql`vacuum analyze tasks.task`);

    const started = performance.now();
    const result = await reassignOpenTasks(deps);
    const setBased = performance.now() - started;
    const [events] = await conn.db.execute<{ n: number }>(
      sql`select count(*)::int as n from bus.event_log where producer = 'tasks'`,
    );
    if (result.movedTasks !== OPEN_TASKS || events?.n !== OPEN_TASKS * 2) {
      throw new Error(`reassign moved ${result.movedTasks} tasks and published ${events?.n} events`);
    }

    const naiveStarted = performance.now();
    await naiveReassign(deps, NAIVE_SAMPLE);
    const naive = ((performance.now() - naiveStarted) * OPEN_TASKS) / NAIVE_SAMPLE;
    console.log(
      `reassign ${count(OPEN_TASKS)} tasks / ${count(EMPLOYEES)} employees: ${seconds(setBased)} ` +
        `(naive loop: ${seconds(naive)}, ${Math.round(naive / setBased)}x) (target ≤ 2 s)\n` +
        `  set-based: UPDATEs of 10,000-task id ranges, pipelined with the publish of their ${count(OPEN_TASKS * 2)} events, ` +
        `in one transaction; ` +
        `${count(result.employees)} employees received tasks\n` +
        `  naive: one transaction per task (update + publish of its 2 events), measured on ` +
        `${count(NAIVE_SAMPLE)} tasks and extrapolated to ${count(OPEN_TASKS)}`,
    );
  } finally {
    await stop();
  }
}

async function seedEmployees(db: Executor, n: number): Promise<void> {
  await db.execute(sql`
    insert into tasks.employee (id, full_name, role, email, active, last_event_at)
    select 'bench-' || i, 'Popug ' || i, case when i % 10 = 0 then 'accountant' else 'worker' end,
      'popug' || i || '@popug.inc', true, now()
    from generate_series(1, ${n}) as i`);
}

async function seedOpenTasks(db: Executor, n: number): Promise<void> {
  const tasks = Array.from({ length: n }, (_, i) => ({ id: uuidv7(), i, ...drawPrices() }));
  await db.execute(sql`
    insert into tasks.task (id, title, jira_id, description, assign_fee_cents, reward_cents, assignee_id, created_by)
    select p.id, 'Bench task ' || p.i, 'UP-' || p.i, 'Seeded for the benchmark', p."assignFeeCents",
      p."rewardCents", 'bench-' || (1 + p.i % ${EMPLOYEES}), 'bench-1'
    from jsonb_to_recordset(${JSON.stringify(tasks)}::jsonb)
      as p(id uuid, i int, "assignFeeCents" int, "rewardCents" int)`);
}

/** What set-based reassign replaces: per open task, a transaction that draws, updates and sends. */
async function naiveReassign({ db, bus }: TaskDeps, sample: number): Promise<void> {
  const ids = await db.execute<{ id: string }>(sql`select id from tasks.task where status = 'open' limit ${sample}`);
  const pool = await db.execute<{ id: string }>(
    sql`select id from tasks.employee where active and role not in ('admin', 'manager')`,
  );
  for (const { id } of ids) {
    const assignee = pool[randomInt(pool.length)]?.id;
    await db.transaction(async (tx) => {
      const [task] = await tx.execute<{
        title: string;
        jira_id: string | null;
        description: string | null;
        assign_fee_cents: number;
        reward_cents: number;
        assignee_id: string;
      }>(sql`
        update tasks.task set assignee_id = ${assignee} where id = ${id} and status = 'open' returning *`);
      if (!task) return;
      const at = new Date().toISOString();
      await bus.publish(tx, 'tasks', [
        {
          name: 'Task.Updated',
          data: {
            task_id: id,
            title: task.title,
            jira_id: task.jira_id,
            description: task.description,
            status: 'open',
            fee: task.assign_fee_cents,
            reward: task.reward_cents,
            assignee: task.assignee_id,
            completed_at: null,
          },
        },
        {
          name: 'TaskAssigned',
          data: { task_id: id, employee_id: task.assignee_id, amount: task.assign_fee_cents, at },
        },
      ]);
    });
  }
}

interface Session {
  token: string;
  headers: Record<string, string>;
}

/** The whole stack in one process, as `ates server start` runs it; clients create tasks over HTTP. */
export async function benchHttpCreate(): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'ates-bench-'));
  const admin = { email: 'admin@popug.inc', password: 'bench-admin-password', fullName: 'Bench Admin' };
  const runtime = await startRuntime({ home, port: 0, firstAdmin: admin });
  const api = runtime.apiUrl ?? '';
  try {
    const boss = await signIn(api, admin.email, admin.password);
    for (let i = 0; i < HTTP_CLIENTS; i++) {
      await call(api, 'POST', '/v1/employees', boss, {
        email: `worker${i}@popug.inc`,
        fullName: `Worker ${i}`,
        role: 'worker',
        password: `worker-password-${i}`,
      });
    }
    const clients = await Promise.all(
      Array.from({ length: HTTP_CLIENTS }, (_, i) => signIn(api, `worker${i}@popug.inc`, `worker-password-${i}`)),
    );
    await untilAssignable(runtime.conn.db, HTTP_CLIENTS);

    const overHttp = await overHttpPerSecond(api, 'POST', '/v1/tasks', clients);
    const settleStarted = performance.now();
    await runtime.bus.settle();
    const settled = performance.now() - settleStarted;
    const signedInOnly = await overHttpPerSecond(api, 'GET', '/v1/me', clients);
    const creator = (await call(api, 'GET', '/v1/me', boss)) as CurrentEmployee;
    const deps = { db: runtime.conn.db, bus: runtime.bus };
    const inProcess = await perSecond(clients, (_, n) => createTask(deps, creator, { title: `In process ${n}` }));
    console.log(
      `task creation over HTTP, ${HTTP_CLIENTS} concurrent clients: ${count(overHttp.perSecond)} tasks/s ` +
        `(${count(overHttp.failed)} failed), each with its 2 events, workers running (target ≥ 1,000/s)\n` +
        `  the clients run in a process of their own; the ledger and the projection had applied every event ` +
        `${seconds(settled)} after the last request\n` +
        `  for scale, same clients and stack: GET /v1/me (sign-in check only) ${count(signedInOnly.perSecond)} requests/s; ` +
        `createTask in process (no HTTP, no sign-in) ${count(inProcess)} tasks/s`,
    );
  } finally {
    await runtime.stop();
    await rm(home, { recursive: true, force: true });
  }
}

/** How many times a second the clients, each in a loop, get `work` done over HTTP_SECONDS. */
async function perSecond(clients: Session[], work: (client: Session, n: number) => Promise<unknown>) {
  let issued = 0;
  let done = 0;
  const started = performance.now();
  const deadline = started + HTTP_SECONDS * 1000;
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < deadline) {
        await work(client, issued++);
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

/** Runs bench/http-clients.ts, one client per session, for HTTP_SECONDS: requests answered 2xx per second. */
async function overHttpPerSecond(api: string, method: 'GET' | 'POST', path: string, clients: Session[]) {
  const load = {
    api,
    method,
    path,
    tokens: clients.map((client) => client.token),
    seconds: HTTP_SECONDS,
    createsTasks: method === 'POST',
  };
  const { stdout } = await run(process.execPath, [fileURLToPath(HTTP_CLIENTS_SCRIPT), JSON.stringify(load)]);
  const { done, failed, seconds: took } = JSON.parse(stdout) as { done: number; failed: number; seconds: number };
  return { perSecond: done / took, failed };
}

async function signIn(api: string, email: string, password: string): Promise<Session> {
  const response = await fetch(`${api}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: api },
    body: JSON.stringify({ email, password }),
  });
  const token = response.headers.get('set-auth-token');
  if (!response.ok || !token)
    throw new Error(`sign-in of ${email} failed: ${response.status} ${await response.text()}`);
  return { token, headers: { authorization: `Bearer ${token}` } };
}

async function call(api: string, method: string, path: string, as: Session, body?: unknown): Promise<unknown> {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: body === undefined ? as.headers : { ...as.headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(payload)}`);
  return payload;
}

/** The tasks context learns of new employees through events: wait until it knows them all. */
async function untilAssignable(db: Executor, n: number): Promise<void> {
  for (;;) {
    const [row] = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from tasks.employee where active and role not in ('admin', 'manager')`,
    );
    if ((row?.n ?? 0) >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
