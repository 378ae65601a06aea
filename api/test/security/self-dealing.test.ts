import { connectPostgres, type PostgresConnection } from '@ates/db';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { createApp } from '../../src/app.ts';
import type { App } from '../../src/http/env.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies field by field and assert on them
type Json = any;

let stack: TestStack;
let manager: SignedIn;
let creator: SignedIn;
let others: SignedIn[];
/** A second API process on the same database: its own connections, pool and caches. */
let secondConn: PostgresConnection;
let secondApi: App;

async function footprint() {
  const [row] = await stack.runtime.conn.db.execute<{ tasks: number; events: number; assignees: string }>(sql`
    select (select count(*)::int from tasks.task) as tasks,
      (select count(*)::int from bus.event_log where producer = 'tasks') as events,
      (select string_agg(id || '=' || assignee_id, ',' order by id) from tasks.task) as assignees`);
  return row;
}

const employeesSettled = () => stack.runtime.bus.settle(['tasks.employees']);
const createTask = (as: SignedIn, title: string) => stack.call('POST', '/v1/tasks', { as, body: { title } });

async function createThroughSecondApi(as: SignedIn, title: string): Promise<{ status: number; body: Json }> {
  const body = JSON.stringify({ title });
  // As over HTTP: the length says there is a body (an in-process request sends none by itself).
  const response = await secondApi.request('/v1/tasks', {
    method: 'POST',
    headers: { ...as.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
    body,
  });
  return { status: response.status, body: await response.json() };
}

beforeAll(async () => {
  stack = await startTestStack();
  manager = await stack.signUp('manager');
  creator = await stack.signUp('worker');
  await employeesSettled();
  secondConn = connectPostgres(stack.runtime.databaseUrl);
  secondApi = createApp({
    db: secondConn.db,
    bus: stack.runtime.bus,
    analytics: stack.runtime.analytics,
    settings: stack.runtime.settings,
  });
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await secondConn.close();
  await stack.stop();
});

describe('a task never lands on its creator', () => {
  it('is a 409 with nothing written when the creator is the only one who could take it', async () => {
    const before = await footprint();
    const refused = await createTask(creator, 'For myself');
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.detail).toMatch(/other than its creator/);
    expect(await footprint()).toEqual(before);

    const fromManager = await createTask(manager, 'For the only worker');
    expect(fromManager.status).toBe(201);
    expect(fromManager.body.assigneeId).toBe(creator.id);
  });

  it('goes to someone else on creation, over either API process', async () => {
    others = [await stack.signUp('worker'), await stack.signUp('accountant')];
    await employeesSettled();
    for (let i = 0; i < 30; i++) {
      const created =
        i % 2 ? await createTask(creator, `Mine ${i}`) : await createThroughSecondApi(creator, `Mine ${i}`);
      expect(created.status).toBe(201);
      expect(created.body.createdBy).toBe(creator.id);
      expect(others.map((o) => o.id)).toContain(created.body.assigneeId);
    }
  });

  it('goes to someone else on every reassign', async () => {
    for (let round = 0; round < 5; round++) {
      expect((await stack.call('POST', '/v1/tasks/reassign', { as: manager })).status).toBe(200);
      const [mine] = await stack.runtime.conn.db.execute<{ n: number }>(
        sql`select count(*)::int as n from tasks.task where created_by = assignee_id`,
      );
      expect(mine?.n).toBe(0);
    }
  });

  it('makes a reassign a 409 with nothing written when no open task has anyone but its creator', async () => {
    const { status, body } = await stack.call('GET', '/v1/tasks?status=open&limit=100', { as: manager });
    expect(status).toBe(200);
    for (const task of body.items) {
      if (task.createdBy !== creator.id) {
        const owner = [creator, ...others].find((e) => e.id === task.assigneeId) as SignedIn;
        expect((await stack.call('POST', `/v1/tasks/${task.id}/complete`, { as: owner })).status).toBe(200);
      }
    }
    for (const other of others) {
      expect((await stack.call('POST', `/v1/employees/${other.id}/deactivate`, { as: stack.admin })).status).toBe(200);
    }
    await employeesSettled();
    const before = await footprint();
    const refused = await stack.call('POST', '/v1/tasks/reassign', { as: manager });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/other than its creator/);
    expect(await footprint()).toEqual(before);
  });
});

describe('ATES_TASKS_PER_HOUR', () => {
  let worker: SignedIn;
  let accountant: SignedIn;

  beforeAll(async () => {
    vi.stubEnv('ATES_TASKS_PER_HOUR', '5');
    worker = await stack.signUp('worker');
    accountant = await stack.signUp('accountant');
    await stack.signUp('worker');
    await employeesSettled();
  });

  it('stops a worker at the limit with a 429 and Retry-After, writing nothing', async () => {
    for (let i = 0; i < 5; i++) expect((await createTask(worker, `Allowed ${i}`)).status).toBe(201);
    const before = await footprint();
    const refused = await createTask(worker, 'One too many');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(3_500);
    expect(retryAfter).toBeLessThanOrEqual(3_600);
    expect(await footprint()).toEqual(before);
  });

  it('holds across API processes and concurrent requests: exactly the limit gets through', async () => {
    const attempts = await Promise.all(
      Array.from({ length: 14 }, (_, i) =>
        i % 2 ? createTask(accountant, `Race ${i}`) : createThroughSecondApi(accountant, `Race ${i}`),
      ),
    );
    const statuses = attempts.map((a) => a.status).sort();
    expect(statuses).toEqual([...Array(5).fill(201), ...Array(9).fill(429)]);
    const [made] = await stack.runtime.conn.db.execute<{ n: number }>(
      sql`select count(*)::int as n from tasks.task where created_by = ${accountant.id}`,
    );
    expect(made?.n).toBe(5);
  });

  it('does not limit managers and admins', async () => {
    for (let i = 0; i < 8; i++) expect((await createTask(manager, `Boss ${i}`)).status).toBe(201);
    for (let i = 0; i < 8; i++) expect((await createTask(stack.admin, `Admin ${i}`)).status).toBe(201);
  });

  it('counts the hour as it slides: a task older than an hour frees its place', async () => {
    await stack.runtime.conn.db.execute(sql`
      update tasks.creation_quota set created_at = created_at - interval '61 minutes'
      where task_id = (select task_id from tasks.creation_quota where created_by = ${worker.id} order by created_at limit 1)`);
    expect((await createTask(worker, 'A place freed')).status).toBe(201);
    expect((await createTask(worker, 'Full again')).status).toBe(429);
  });
});
