import { randomBytes } from 'node:crypto';
import { connectPostgres, type PostgresConnection } from '@ates/db';
import { until, withDatabase } from '@ates/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtesProcess, service } from '../support/ates-process.ts';
import { seeded } from '../support/seeded.ts';
import { Inbox } from '../support/smtp-inbox.ts';
import { type Caller, LoadDriver } from './load.ts';

const SEED = Number(process.env.ATES_CLUSTER_SEED ?? Date.now() % 1_000_000);
const TASKS = Number(process.env.ATES_CLUSTER_TASKS ?? 2_000);
const ADMIN = { email: 'root@popug.inc', password: 'cluster-root-password' };
const WORKERS = 8;
/** Requests in flight at once, spread over both API processes. */
const CONCURRENCY = 8;

let postgresUrl: string;
let clickhouseUrl: string;
let databaseUrl: string;
let conn: PostgresConnection;
const smtp = new Inbox();
let smtpPort = 0;
let apis: AtesProcess[] = [];
let workers: AtesProcess[] = [];
const driver = new LoadDriver(() => apis.map((api) => api.url));

beforeAll(async () => {
  postgresUrl = (await service('postgres.sh')).ATES_CLUSTER_POSTGRES_URL ?? '';
  clickhouseUrl = process.env.CLICKHOUSE_URL ?? (await service('clickhouse.sh')).CLICKHOUSE_URL ?? '';
  const name = `ates_cluster_${randomBytes(4).toString('hex')}`;
  const admin = connectPostgres(postgresUrl, { max: 1 });
  await admin.sql.unsafe(`create database ${name}`);
  await admin.close();
  databaseUrl = withDatabase(postgresUrl, name);
  const created = await fetch(clickhouseUrl, { method: 'POST', body: `CREATE DATABASE ${name}` });
  if (!created.ok) throw new Error(`ClickHouse refused CREATE DATABASE: ${await created.text()}`);
  const analyticsUrl = new URL(clickhouseUrl);
  analyticsUrl.pathname = `/${name}`;
  const smtpUrl = await smtp.listen();
  smtpPort = Number(new URL(smtpUrl).port);
  const env = {
    DATABASE_URL: databaseUrl,
    CLICKHOUSE_URL: analyticsUrl.toString(),
    SMTP_URL: smtpUrl,
    ATES_ADMIN_EMAIL: ADMIN.email,
    ATES_ADMIN_PASSWORD: ADMIN.password,
    // Every API process of an installation signs with one secret (each home would make its own).
    ATES_AUTH_SECRET: randomBytes(32).toString('base64'),
  };
  apis = [new AtesProcess('api-1', 'api', env), new AtesProcess('api-2', 'api', env)];
  workers = [new AtesProcess('workers-1', 'workers', env), new AtesProcess('workers-2', 'workers', env)];
  // The first process migrates and creates the admin; the others start against it together.
  await apis[0]?.start();
  await Promise.all([apis[1]?.start(), ...workers.map((w) => w.start())]);
  conn = connectPostgres(databaseUrl, { max: 2 });
  console.log(`cluster suite: seed ${SEED} (ATES_CLUSTER_SEED=${SEED} repeats it), ${TASKS} tasks`);
}, 300_000);

afterAll(async () => {
  await Promise.all([...apis, ...workers].map((p) => p.stop()));
  await conn?.close();
  await smtp.close();
  await service('clickhouse.sh');
}, 120_000);

async function signIn(email: string, password: string): Promise<Caller> {
  for (;;) {
    const response = await fetch(`${apis[0]?.url}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    const token = response.headers.get('set-auth-token');
    if (response.ok && token) {
      const headers = { authorization: `Bearer ${token}` };
      const me = (await (await fetch(`${apis[0]?.url}/v1/me`, { headers })).json()) as { id: string };
      return { id: me.id, email, headers };
    }
    if (response.status !== 429) throw new Error(`sign-in of ${email}: ${response.status} ${await response.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000 * Number(response.headers.get('retry-after') ?? 1)));
  }
}

async function hire(admin: Caller, role: string, n: number): Promise<Caller> {
  const email = `${role}${n}@popug.inc`;
  const password = `popug-password-${n}`;
  const created = await driver.call('hire', 'POST', '/v1/employees', admin, {
    email,
    fullName: `${role} ${n}`,
    role,
    password,
  });
  if (created?.status !== 201) throw new Error(`hiring ${email}: ${created?.status} ${JSON.stringify(created?.body)}`);
  return signIn(email, password);
}

interface Staff {
  admin: Caller;
  manager: Caller;
  accountant: Caller;
  workers: Map<string, Caller>;
}

async function hireStaff(): Promise<Staff> {
  const admin = await signIn(ADMIN.email, ADMIN.password);
  const manager = await hire(admin, 'manager', 0);
  const accountant = await hire(admin, 'accountant', 0);
  const staff = new Map<string, Caller>();
  for (let n = 1; n <= WORKERS; n++) {
    const worker = await hire(admin, 'worker', n);
    staff.set(worker.id, worker);
  }
  return { admin, manager, accountant, workers: staff };
}

interface TaskView {
  id: string;
  status: 'open' | 'done';
  assigneeId: string;
}

/**
 * The load: creates, completes as the assignee, reassigns and, once the day has been closed (while
 * SMTP is down, so its payout mails must wait), closes again as a double-click would, until TASKS
 * tasks exist.
 */
async function runLoad(staff: Staff, random: () => number, stopAt: () => boolean, dayClosed: () => boolean) {
  const open: string[] = [];
  let created = 0;
  const step = async () => {
    const roll = random();
    if (roll < 0.55 || open.length === 0) {
      const task = await driver.call<TaskView>('create', 'POST', '/v1/tasks', staff.manager, {
        title: `Cluster task ${created++}`,
        description: 'Made by the cluster suite.',
      });
      if (task?.status === 201) open.push(task.body.id);
    } else if (roll < 0.93) {
      const id = open.splice(Math.floor(random() * open.length), 1)[0] as string;
      const task = await driver.call<TaskView>('show', 'GET', `/v1/tasks/${id}`, staff.manager);
      const assignee = task?.status === 200 ? staff.workers.get(task.body.assigneeId) : undefined;
      if (!assignee) return;
      const done = await driver.call('complete', 'POST', `/v1/tasks/${id}/complete`, assignee);
      if (done?.status === 403) open.push(id);
    } else if (roll < 0.96) {
      await driver.call('summary', 'GET', '/v1/reports/summary', staff.admin);
    } else if (roll < 0.99) {
      if (dayClosed()) await driver.call('close-day', 'POST', '/v1/business-days/close', staff.accountant, {});
    } else {
      await driver.call('reassign', 'POST', '/v1/tasks/reassign', staff.manager);
    }
  };
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (!stopAt()) await step();
    }),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The APIs' own account of each 503 they answered for Postgres, to tell an unexpected one's cause. */
const postgresUnavailableLogs = () =>
  apis.flatMap((api) =>
    api.log
      .split('\n')
      .filter((line) => line.includes('postgres unavailable'))
      .map((line) => `${api.name}: ${line.slice(0, 800)}`),
  );

describe('the split deployment under faults', () => {
  it('keeps every ledger and delivery guarantee while processes, PostgreSQL, ClickHouse and SMTP fail', async () => {
    const staff = await hireStaff();
    await until(
      async () => (await driver.call('create', 'POST', '/v1/tasks', staff.manager, { title: 'First' }))?.status === 201,
      {
        timeoutMs: 30_000,
        pollMs: 200,
      },
    );

    const random = seeded(SEED);
    let tasks = 1;
    const countTasks = async () => {
      const [row] = await conn.db.execute<{ n: number }>(sql`select count(*)::int as n from tasks.task`);
      tasks = row?.n ?? tasks;
    };
    const counting = setInterval(() => void countTasks().catch(() => {}), 500);
    let postgresDown: [number, number] = [0, 0];
    let faultsDone = false;
    let dayClosed = false;
    const faults = (async () => {
      await sleep(4_000);
      await driver.call('reassign', 'POST', '/v1/tasks/reassign', staff.manager);
      await workers[0]?.kill();
      await sleep(1_500);
      await workers[0]?.start();
      await sleep(2_000);
      await apis[0]?.kill();
      await sleep(1_500);
      await apis[0]?.start();
      await sleep(2_000);
      const restartBegan = Date.now();
      await service('postgres.sh', 'restart');
      // A pooled connection the restart cut fails its next query, which may come well after the
      // server is back (an idle connection of a quiet route): that too is the restart, a 503 with
      // Retry-After, and the connection is replaced.
      postgresDown = [restartBegan, Date.now() + 20_000];
      await sleep(3_000);
      await service('clickhouse.sh', 'stop');
      await apis[1]?.kill();
      await apis[1]?.start();
      await smtp.close();
      await driver.call('close-day', 'POST', '/v1/business-days/close', staff.accountant, {});
      dayClosed = true;
      await sleep(10_000);
      await smtp.listen(smtpPort);
      await sleep(10_000);
      await service('clickhouse.sh');
    })().finally(() => {
      faultsDone = true;
    });
    await runLoad(
      staff,
      random,
      () => tasks >= TASKS && faultsDone,
      () => dayClosed,
    );
    await faults;
    clearInterval(counting);
    await driver.call('close-day', 'POST', '/v1/business-days/close', staff.accountant, {});

    expect([...apis, ...workers].flatMap((p) => p.crashes)).toEqual([]);
    await until(() => settled(), { timeoutMs: 180_000, pollMs: 500 });
    await expectLedgerBalances();
    await expectEveryEventAppliedOnce();
    await expectPayoutsMailed();

    const verify = await driver.call<{ agrees: boolean }>('verify', 'GET', '/v1/analytics/verify', staff.admin);
    expect(verify?.status).toBe(200);
    expect(verify?.body).toMatchObject({ agrees: true });
    const dead = await driver.call<{ items: unknown[] }>('dead-letters', 'GET', '/v1/dead-letters', staff.admin);
    expect(dead?.body.items).toEqual([]);

    const [from, to] = postgresDown;
    const outside = driver.answers.filter((a) => a.status >= 500 && (a.at < from || a.at > to));
    const inside = driver.answers.filter((a) => a.status >= 500 && a.at >= from && a.at <= to);
    expect(
      outside.filter((a) => !(a.operation === 'summary' && a.status === 503)),
      `the restart's window ran ${new Date(from).toISOString()} to ${new Date(to).toISOString()}; ` +
        `the APIs logged:\n${postgresUnavailableLogs().join('\n')}`,
    ).toEqual([]);
    expect(inside.filter((a) => a.status !== 503 || a.retryAfter === null)).toEqual([]);
    const statuses = Object.groupBy(driver.answers, (a) => `${a.operation} ${a.status}`);
    console.log(
      `cluster suite: ${driver.answers.length} requests, ${tasks} tasks;`,
      Object.fromEntries(Object.entries(statuses).map(([k, v]) => [k, v?.length])),
    );
  }, 900_000);
});

/** Nothing in the outbox, nothing queued, retrying or in progress for any consumer. */
async function settled(): Promise<boolean> {
  const [row] = await conn.db.execute<{ pending: number }>(sql`
    select (select count(*) from bus.outbox)::int
      + (select count(*) from pgboss.job where state in ('created', 'retry', 'active') and name not like '%.dead'
          and name not like '\\_\\_%')::int as pending`);
  return row?.pending === 0;
}

async function expectLedgerBalances() {
  const unbalanced = await conn.db.execute(sql`
    select transaction_id from accounting.entries group by transaction_id having sum(amount) <> 0`);
  expect(unbalanced.length).toBe(0);
  const fees = await conn.db.execute(sql`
    with assigned as (
      select data->>'task_id' as task_id, count(*)::int as n from bus.event_log
      where event_name = 'TaskAssigned' group by 1),
    charged as (
      select t.task_id, count(*)::int as n, sum(e.amount)::bigint as cents
      from accounting.transactions t join accounting.entries e on e.transaction_id = t.id and e.amount < 0
      where t.kind = 'fee' group by 1)
    select k.id from tasks.task k
    left join assigned a on a.task_id = k.id::text left join charged c on c.task_id = k.id::text
    where coalesce(a.n, 0) <> coalesce(c.n, 0) or coalesce(c.cents, 0) <> -coalesce(a.n, 0) * k.assign_fee_cents`);
  expect(fees.map((r) => r.id)).toEqual([]);
  const rewards = await conn.db.execute(sql`
    select k.id from tasks.task k
    left join accounting.transactions t on t.task_id = k.id::text and t.kind = 'reward'
    left join accounting.entries e on e.transaction_id = t.id and e.amount > 0
      and e.account_id <> (select id from accounting.accounts where kind = 'company')
    group by k.id, k.status, k.reward_cents
    having (k.status = 'done') <> (count(t.id) = 1) or (k.status = 'done' and sum(e.amount) <> k.reward_cents)`);
  expect(rewards.map((r) => r.id)).toEqual([]);
}

/** The inbox against the log: each consumer holds exactly the events it reads, no more, no fewer. */
async function expectEveryEventAppliedOnce() {
  const { consumers } = await import('@ates/db/bus');
  for (const [consumer, reads] of consumers) {
    const names = Object.keys(reads);
    const [row] = await conn.db.execute<{ missing: number; extra: number }>(sql`
      with wanted as materialized (
        select event_id from bus.event_log where event_name = any(${`{${names.join(',')}}`}::text[])),
      applied as materialized (select event_id from bus.inbox where consumer = ${consumer})
      select (select count(*) from (select event_id from wanted except select event_id from applied) m)::int as missing,
             (select count(*) from (select event_id from applied except select event_id from wanted) e)::int as extra`);
    expect({ consumer, ...row }).toEqual({ consumer, missing: 0, extra: 0 });
  }
}

async function expectPayoutsMailed() {
  const [row] = await conn.db.execute<{ payouts: number; mailed: number }>(sql`
    select (select count(*) from accounting.transactions where kind = 'payout')::int as payouts,
           (select count(*) from accounting.payout_mails)::int as mailed`);
  expect(row?.mailed).toBe(row?.payouts);
  expect(smtp.received.length).toBeGreaterThanOrEqual(row?.payouts ?? 0);
}
