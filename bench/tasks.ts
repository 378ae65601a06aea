import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { CurrentEmployee } from '@ates/api';
import { createTask, drawPrices, reassignOpenTasks, type TaskDeps, uuidv7 } from '@ates/api/tasks';
import type { Executor } from '@ates/db';
import { sql } from 'drizzle-orm';
import { benchDatabase, benchStack, call, count, type Session, seconds, signIn, untilAssignable } from './support.ts';

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

export async function seedEmployees(db: Executor, n: number): Promise<void> {
  await db.execute(sql`
    insert into tasks.employee (id, full_name, role, email, active, last_event_at)
    select 'bench-' || i, 'Popug ' || i, case when i % 10 = 0 then 'accountant' else 'worker' end,
      'popug' || i || '@popug.inc', true, now()
    from generate_series(1, ${n}) as i`);
}

/** `n` open tasks spread over `employees` seeded employees, written 100,000 at a time. */
export async function seedOpenTasks(db: Executor, n: number, employees = EMPLOYEES): Promise<void> {
  for (let first = 0; first < n; first += 100_000) {
    const tasks = Array.from({ length: Math.min(100_000, n - first) }, (_, k) => ({
      id: uuidv7(),
      i: first + k,
      ...drawPrices(),
    }));
    await db.execute(sql`
      insert into tasks.task (id, title, jira_id, description, assign_fee_cents, reward_cents, assignee_id, created_by)
      select p.id, 'Bench task ' || p.i, 'UP-' || p.i, 'Seeded for the benchmark', p."assignFeeCents",
        p."rewardCents", 'bench-' || (1 + p.i % ${employees}), 'bench-1'
      from jsonb_to_recordset(${JSON.stringify(tasks)}::jsonb)
        as p(id uuid, i int, "assignFeeCents" int, "rewardCents" int)`);
  }
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

/** The whole stack in one process, as `ates server start` runs it; clients create tasks over HTTP. */
export async function benchHttpCreate(): Promise<void> {
  const stack = await benchStack();
  const { runtime, api, boss } = stack;
  try {
    // The clients are managers, who have no hourly limit; the tasks land on as many workers.
    for (const role of ['manager', 'worker']) {
      for (let i = 0; i < HTTP_CLIENTS; i++) {
        await call(api, 'POST', '/v1/employees', boss, {
          email: `${role}${i}@popug.inc`,
          fullName: `${role} ${i}`,
          role,
          password: `${role}-password-${i}`,
        });
      }
    }
    const clients = await Promise.all(
      Array.from({ length: HTTP_CLIENTS }, (_, i) => signIn(api, `manager${i}@popug.inc`, `manager-password-${i}`)),
    );
    await untilAssignable(runtime.conn.db, HTTP_CLIENTS);

    const overHttp = await overHttpPerSecond(api, 'POST', '/v1/tasks', clients);
    const settleStarted = performance.now();
    await runtime.bus.settle();
    const settled = performance.now() - settleStarted;
    const keyed = await overHttpPerSecond(api, 'POST', '/v1/tasks', clients, { idempotencyKeys: true });
    await runtime.bus.settle();
    const signedInOnly = await overHttpPerSecond(api, 'GET', '/v1/me', clients);
    const creator = (await call(api, 'GET', '/v1/me', boss)) as CurrentEmployee;
    const deps = { db: runtime.conn.db, bus: runtime.bus };
    const inProcess = await perSecond(clients, (_, n) => createTask(deps, creator, { title: `In process ${n}` }));
    const signature = await signatureCheckMicros(clients[0]?.token ?? '');
    console.log(
      `task creation over HTTP, ${HTTP_CLIENTS} concurrent clients: ${count(overHttp.perSecond)} tasks/s ` +
        `(${count(overHttp.failed)} failed), each with its 2 events, workers running (target ≥ 1,000/s)\n` +
        `  with a fresh Idempotency-Key on each (claimed and kept in Postgres): ${count(keyed.perSecond)} tasks/s ` +
        `(${count(keyed.failed)} failed)\n` +
        `  the clients run in a process of their own; the ledger and the projection had applied every event ` +
        `${seconds(settled)} after the last request\n` +
        `  for scale, same clients and stack: GET /v1/me (sign-in check only) ${count(signedInOnly.perSecond)} requests/s; ` +
        `createTask in process (no HTTP, no sign-in) ${count(inProcess)} tasks/s\n` +
        `  signed tokens: checking a token's signature costs ${signature.toFixed(1)} µs (HMAC-SHA-256 through WebCrypto, ` +
        `the key imported on each check, as better-auth's bearer plugin does); the credential cache checks a token once ` +
        `per 30 s, so on GET /v1/me it costs ${((signature * HTTP_CLIENTS) / 30 / 1e4).toFixed(4)}% of a core; checked on ` +
        `every request it would be ${((signature * signedInOnly.perSecond) / 1e4).toFixed(1)}% at the rate above`,
    );
  } finally {
    await stack.stop();
  }
}

/** Microseconds to check a bearer token's signature the way better-auth's bearer plugin checks it. */
async function signatureCheckMicros(token: string, checks = 20_000): Promise<number> {
  const { subtle } = globalThis.crypto;
  const secret = new TextEncoder().encode('a bench secret of the length ATES_AUTH_SECRET has: 32+ bytes');
  const data = new TextEncoder().encode(token);
  const key = await subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const signature = await subtle.sign('HMAC', key, data);
  const started = performance.now();
  for (let i = 0; i < checks; i++) {
    const verifying = await subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    if (!(await subtle.verify('HMAC', verifying, signature, data))) throw new Error('the signature did not hold');
  }
  return ((performance.now() - started) * 1000) / checks;
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

/**
 * Runs bench/http-clients.ts, one client per session spread over `api` (one or several), for
 * HTTP_SECONDS: requests answered 2xx per second.
 */
export async function overHttpPerSecond(
  api: string | string[],
  method: 'GET' | 'POST',
  path: string,
  clients: Session[],
  options: { idempotencyKeys?: boolean } = {},
) {
  const load = {
    apis: [api].flat(),
    method,
    path,
    tokens: clients.map((client) => client.token),
    seconds: HTTP_SECONDS,
    createsTasks: method === 'POST',
    ...options,
  };
  const { stdout } = await run(process.execPath, [fileURLToPath(HTTP_CLIENTS_SCRIPT), JSON.stringify(load)]);
  const { done, failed, seconds: took } = JSON.parse(stdout) as { done: number; failed: number; seconds: number };
  return { perSecond: done / took, failed };
}
