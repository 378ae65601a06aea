import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';
import type { Task } from '../../src/tasks/schemas.ts';

let stack: TestStack;
let manager: SignedIn;
let workers: SignedIn[];
let accountant: SignedIn;

/** Rows in the tasks table and the event log: what "nothing was written" compares. */
async function footprint() {
  const [row] = await stack.runtime.conn.db.execute<{ tasks: number; events: number }>(sql`
    select (select count(*)::int from tasks.task) as tasks, (select count(*)::int from bus.event_log where producer = 'tasks') as events`);
  return row;
}

async function create(as: SignedIn, body: Record<string, unknown> = { title: 'Fix the beak' }): Promise<Task> {
  const { status, body: task } = await stack.call('POST', '/v1/tasks', { as, body });
  expect(status).toBe(201);
  return task;
}

/** Creates tasks until one lands on `owner` and one on someone else among the workers. */
async function taskOf(owner: SignedIn): Promise<Task> {
  for (;;) {
    const task = await create(manager, { title: `For ${owner.email}` });
    if (task.assigneeId === owner.id) return task;
  }
}

async function taskNotOf(someone: SignedIn): Promise<Task> {
  for (;;) {
    const task = await create(manager, { title: `Not for ${someone.email}` });
    if (task.assigneeId !== someone.id) return task;
  }
}

async function events(taskId: string) {
  return stack.runtime.conn.db.execute<{ name: string; version: number; data: Record<string, unknown> }>(
    sql`select event_name as name, event_version as version, data from bus.event_log
        where producer = 'tasks' and data->>'task_id' = ${taskId} order by position`,
  );
}

/** Waits until the tasks context has applied every Employee event: the only consumer these tests need. */
const employeesSettled = () => stack.runtime.bus.settle(['tasks.employees']);

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack.stop();
});

describe('with nobody to give a task to', () => {
  it('refuses to create a task or to reassign with a clear 409, and writes nothing', async () => {
    manager = await stack.signUp('manager');
    await employeesSettled();
    const before = await footprint();

    const created = await stack.call('POST', '/v1/tasks', { as: manager, body: { title: 'Nobody can take it' } });
    expect(created.status).toBe(409);
    expect(created.headers.get('content-type')).toContain('application/problem+json');
    expect(created.body.detail).toMatch(/no active worker or accountant/);

    const reassigned = await stack.call('POST', '/v1/tasks/reassign', { as: stack.admin });
    expect(reassigned.status).toBe(409);
    expect(reassigned.body.detail).toMatch(/no active worker or accountant/);
    expect(await footprint()).toEqual(before);
  });

  it('answers a reassign with no open tasks with zero moved', async () => {
    workers = [await stack.signUp('worker'), await stack.signUp('worker')];
    accountant = await stack.signUp('accountant');
    await employeesSettled();
    const { status, body } = await stack.call('POST', '/v1/tasks/reassign', { as: manager });
    expect(status).toBe(200);
    expect(body).toEqual({ movedTasks: 0, employees: 0 });
  });
});

describe('POST /v1/tasks', () => {
  it('creates an open task for anyone signed in, on a worker or accountant, with its events', async () => {
    const task = await create(workers[0] as SignedIn, {
      title: 'Fix the beak',
      jiraId: 'UP-42',
      description: 'Squeaks',
    });
    expect(task).toMatchObject({
      title: 'Fix the beak',
      jiraId: 'UP-42',
      description: 'Squeaks',
      status: 'open',
      createdBy: workers[0]?.id,
      completedAt: null,
    });
    expect([...workers, accountant].map((e) => e.id)).toContain(task.assigneeId);
    expect(task.assignFeeCents % 100).toBe(0);
    expect(task.rewardCents % 100).toBe(0);
    expect(Date.parse(task.createdAt)).not.toBeNaN();

    expect(await events(task.id)).toEqual([
      {
        name: 'Task.Created',
        version: 2,
        data: {
          task_id: task.id,
          title: 'Fix the beak',
          jira_id: 'UP-42',
          description: 'Squeaks',
          status: 'open',
          fee: task.assignFeeCents,
          reward: task.rewardCents,
          assignee: task.assigneeId,
          completed_at: null,
        },
      },
      {
        name: 'TaskAssigned',
        version: 1,
        data: { task_id: task.id, employee_id: task.assigneeId, amount: task.assignFeeCents, at: task.createdAt },
      },
    ]);
  });

  it('splits a title written the old way into jira id and title', async () => {
    expect(await create(manager, { title: '[UP-7] - Polish the feathers' })).toMatchObject({
      title: 'Polish the feathers',
      jiraId: 'UP-7',
    });
    expect(await create(manager, { title: '[UP-8] Sharpen the claws', jiraId: 'UP-8' })).toMatchObject({
      title: 'Sharpen the claws',
      jiraId: 'UP-8',
    });
    expect(await create(manager, { title: 'No jira id' })).toMatchObject({ title: 'No jira id', jiraId: null });
  });

  it('refuses bad input with a 400 problem and writes nothing', async () => {
    const before = await footprint();
    const bad = [
      { title: '[UP-1] - Disagrees', jiraId: 'UP-2' },
      { title: 'Has [brackets] inside' },
      { title: '[UP-1] - Still [has] brackets' },
      { title: '[up-1] - Lowercase jira id' },
      { title: '[UP-1] - ' },
      { title: 'Fine', jiraId: 'not a jira id' },
      { title: '' },
      { title: '   ' },
      { jiraId: 'UP-1' },
      { title: 'Fine', assigneeId: workers[0]?.id },
      { title: 'Fine', rewardCents: 100_000 },
      'not json',
    ];
    for (const body of bad) {
      const response = await stack.call('POST', '/v1/tasks', { as: manager, body });
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.detail).toEqual(expect.any(String));
    }
    expect(await footprint()).toEqual(before);
  });

  it('needs a signed-in caller', async () => {
    const { status } = await stack.call('POST', '/v1/tasks', { body: { title: 'Anonymous' } });
    expect(status).toBe(401);
  });
});

describe('GET /v1/tasks/:id', () => {
  it('shows a worker their own task, and another’s as a 404 that reveals nothing', async () => {
    const [ada, bob] = workers as [SignedIn, SignedIn];
    const own = await taskOf(ada);
    expect((await stack.call('GET', `/v1/tasks/${own.id}`, { as: ada })).body).toEqual(own);

    const others = await taskNotOf(ada);
    const hidden = await stack.call('GET', `/v1/tasks/${others.id}`, { as: ada });
    const missingId = randomUUID();
    const missing = await stack.call('GET', `/v1/tasks/${missingId}`, { as: ada });
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    expect({ ...hidden.body, detail: hidden.body.detail?.replace(others.id, 'ID') }).toEqual({
      ...missing.body,
      detail: missing.body.detail?.replace(missingId, 'ID'),
    });
    expect((await stack.call('GET', `/v1/tasks/${others.id}`, { as: manager })).status).toBe(200);
    expect((await stack.call('GET', `/v1/tasks/${others.id}`, { as: stack.admin })).status).toBe(200);
    expect((await stack.call('GET', `/v1/tasks/${own.id}`, { as: bob })).status).toBe(404);
  });

  it('refuses an id that is not a task id', async () => {
    expect((await stack.call('GET', '/v1/tasks/42', { as: manager })).status).toBe(400);
  });
});

describe('POST /v1/tasks/:id/complete', () => {
  it('lets only the assignee complete, once; a second attempt is a 409', async () => {
    const [ada] = workers as [SignedIn];
    const task = await taskOf(ada);

    const stranger = await stack.call('POST', `/v1/tasks/${task.id}/complete`, { as: workers[1] });
    expect(stranger.status).toBe(404);
    const boss = await stack.call('POST', `/v1/tasks/${task.id}/complete`, { as: manager });
    expect(boss.status).toBe(403);

    const done = await stack.call('POST', `/v1/tasks/${task.id}/complete`, { as: ada });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      id: task.id,
      status: 'done',
      assigneeId: ada.id,
      assignFeeCents: task.assignFeeCents,
      rewardCents: task.rewardCents,
    });
    expect(Date.parse(done.body.completedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(task.createdAt));

    const before = await footprint();
    const again = await stack.call('POST', `/v1/tasks/${task.id}/complete`, { as: ada });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/already done/);
    expect((await stack.call('POST', `/v1/tasks/${task.id}/complete`, { as: workers[1] })).status).toBe(404);
    expect(await footprint()).toEqual(before);

    const [, , updated, completed] = await events(task.id);
    expect(updated).toMatchObject({ name: 'Task.Updated', version: 2, data: { status: 'done', assignee: ada.id } });
    expect(completed).toEqual({
      name: 'TaskCompleted',
      version: 1,
      data: { task_id: task.id, employee_id: ada.id, amount: task.rewardCents, at: done.body.completedAt },
    });
  });
});

describe('GET /v1/tasks', () => {
  it('lists a worker’s own tasks only, and refuses to list someone else’s', async () => {
    const [ada, bob] = workers as [SignedIn, SignedIn];
    await taskOf(bob);
    const { status, body } = await stack.call('GET', '/v1/tasks?limit=200', { as: ada });
    expect(status).toBe(200);
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.items.every((t) => t.assigneeId === ada.id)).toBe(true);
    const mine = await stack.call('GET', '/v1/tasks?limit=200&assignee=me', { as: ada });
    expect(mine.body.items).toEqual(body.items);

    const refused = await stack.call('GET', `/v1/tasks?assignee=${bob.id}`, { as: ada });
    expect(refused.status).toBe(403);
    expect((await stack.call('GET', `/v1/tasks?assignee=${bob.id}`, { as: accountant })).status).toBe(403);
  });

  it('lists every task for managers and admins, filtered by assignee and status', async () => {
    const [ada] = workers as [SignedIn];
    const all = await stack.call('GET', '/v1/tasks?limit=200', { as: manager });
    const [{ n } = { n: 0 }] = await stack.runtime.conn.db.execute<{ n: number }>(
      sql`select count(*)::int as n from tasks.task`,
    );
    expect(all.body.items).toHaveLength(n);
    expect((await stack.call('GET', '/v1/tasks?limit=200', { as: stack.admin })).body.items).toHaveLength(n);

    const adaDone = await stack.call('GET', `/v1/tasks?assignee=${ada.id}&status=done`, {
      as: manager,
    });
    expect(adaDone.body.items.length).toBeGreaterThan(0);
    expect(adaDone.body.items.every((t) => t.assigneeId === ada.id && t.status === 'done')).toBe(true);
    const mine = await stack.call('GET', '/v1/tasks?assignee=me', { as: manager });
    expect(mine.body.items).toEqual([]);
  });

  it('pages newest first with a cursor, every task once', async () => {
    const seen: Task[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=3&cursor=${cursor}` : '?limit=3';
      const page = await stack.call('GET', `/v1/tasks${query}`, {
        as: manager,
      });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    const all = await stack.call('GET', '/v1/tasks?limit=200', { as: manager });
    expect(seen).toEqual(all.body.items);
    const created = seen.map((t) => Date.parse(t.createdAt));
    expect(created).toEqual([...created].sort((a, b) => b - a));
  });

  it('refuses bad filters', async () => {
    for (const query of ['status=closed', 'limit=0', 'limit=201', 'cursor=abc', 'sort=title']) {
      expect((await stack.call('GET', `/v1/tasks?${query}`, { as: manager })).status).toBe(400);
    }
  });
});

describe('POST /v1/tasks/reassign', () => {
  it('is for managers and admins only', async () => {
    const before = await footprint();
    for (const as of [workers[0], accountant]) {
      const { status, body } = await stack.call('POST', '/v1/tasks/reassign', { as });
      expect(status).toBe(403);
      expect(body.detail).toMatch(/manager or admin/);
    }
    expect((await stack.call('POST', '/v1/tasks/reassign')).status).toBe(401);
    expect(await footprint()).toEqual(before);
  });

  it('moves every open task, charging each its fee again, and leaves done tasks alone', async () => {
    const open = await stack.call('GET', '/v1/tasks?status=open&limit=200', { as: manager });
    const done = await stack.call('GET', '/v1/tasks?status=done&limit=200', { as: manager });
    const { status, body } = await stack.call('POST', '/v1/tasks/reassign', { as: stack.admin });
    expect(status).toBe(200);
    expect(body.movedTasks).toBe(open.body.items.length);
    expect(body.employees).toBeGreaterThan(0);
    expect(body.employees).toBeLessThanOrEqual(3);

    for (const task of open.body.items) {
      const history = await events(task.id);
      const last = history.at(-1);
      expect(last?.name).toBe('TaskAssigned');
      expect(last?.data.amount).toBe(task.assignFeeCents);
      expect(history.at(-2)).toMatchObject({ name: 'Task.Updated', version: 2, data: { status: 'open' } });
    }
    const after = await stack.call('GET', '/v1/tasks?status=done&limit=200', { as: manager });
    expect(after.body.items).toEqual(done.body.items);
  });

  it('never gives a task to a deactivated employee or one promoted to manager', async () => {
    const [ada, bob] = workers as [SignedIn, SignedIn];
    expect((await stack.call('POST', `/v1/employees/${ada.id}/deactivate`, { as: stack.admin })).status).toBe(200);
    expect(
      (await stack.call('PATCH', `/v1/employees/${bob.id}`, { as: stack.admin, body: { role: 'manager' } })).status,
    ).toBe(200);
    await employeesSettled();
    for (let i = 0; i < 20; i++) expect((await create(manager)).assigneeId).toBe(accountant.id);
    const { body } = await stack.call('POST', '/v1/tasks/reassign', { as: manager });
    expect(body.employees).toBe(1);
    const open = await stack.call('GET', '/v1/tasks?status=open&limit=200', { as: manager });
    expect(open.body.items.every((t) => t.assigneeId === accountant.id)).toBe(true);
  });
});

describe('OpenAPI', () => {
  it('documents every tasks route and its schemas', async () => {
    const { body } = await stack.call('GET', '/openapi.json');
    expect(body.paths['/v1/tasks']).toHaveProperty('post');
    expect(body.paths['/v1/tasks']).toHaveProperty('get');
    expect(body.paths['/v1/tasks/{id}']).toHaveProperty('get');
    expect(body.paths['/v1/tasks/{id}/complete']).toHaveProperty('post');
    expect(body.paths['/v1/tasks/reassign']).toHaveProperty('post');
    expect(Object.keys(body.components.schemas)).toEqual(
      expect.arrayContaining(['Task', 'CreateTask', 'TaskList', 'ReassignResult']),
    );
  });
});
