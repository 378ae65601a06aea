import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';
import type { Task } from '../../src/tasks/schemas.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies field by field and assert on them
type Json = any;

let stack: TestStack;
let manager: SignedIn;
let creator: SignedIn;
let assignee: SignedIn;
let outsider: SignedIn;

/** A task `by` creates that lands on `on`: created again until the random draw picks them. */
async function taskBy(by: SignedIn, on: SignedIn, body: Record<string, unknown> = { title: 'Preen the feathers' }) {
  for (;;) {
    const { status, body: task } = await stack.call('POST', '/v1/tasks', { as: by, body });
    expect(status).toBe(201);
    if (task.assigneeId === on.id) return task;
  }
}

async function tasksEvents(taskId: string) {
  return stack.runtime.conn.db.execute<{ name: string; data: Record<string, unknown> }>(
    sql`select event_name as name, data from bus.event_log
        where producer = 'tasks' and data->>'task_id' = ${taskId} order by position`,
  );
}

const edit = (as: SignedIn | undefined, id: string, body: unknown) =>
  stack.call('PATCH', `/v1/tasks/${id}`, { as, body });

beforeAll(async () => {
  stack = await startTestStack();
  manager = await stack.signUp('manager');
  creator = await stack.signUp('worker', 'Carl Creator');
  assignee = await stack.signUp('worker', 'Ada Assignee');
  outsider = await stack.signUp('accountant', 'Otto Outsider');
  await stack.settle();
});

afterAll(async () => {
  await stack.stop();
});

describe('PATCH /v1/tasks/:id', () => {
  it('lets the creator, a manager and an admin edit; the assignee gets 403, anyone else 404', async () => {
    const task = await taskBy(creator, assignee);
    expect((await edit(creator, task.id, { title: 'By the creator' })).body.title).toBe('By the creator');
    expect((await edit(manager, task.id, { jiraId: 'UP-7' })).body).toMatchObject({
      title: 'By the creator',
      jiraId: 'UP-7',
    });
    expect((await edit(stack.admin, task.id, { description: 'By the admin' })).status).toBe(200);

    const byAssignee = await edit(assignee, task.id, { title: 'Mine now' });
    expect(byAssignee.status).toBe(403);
    expect(byAssignee.headers.get('content-type')).toContain('application/problem+json');
    const byOutsider = await edit(outsider, task.id, { title: 'Not mine' });
    expect(byOutsider.status).toBe(404);
    expect(byOutsider.body.detail).toBe(`No task ${task.id} that you can see.`);
    expect((await edit(undefined, task.id, { title: 'Anyone' })).status).toBe(401);

    const { body: now } = await stack.call('GET', `/v1/tasks/${task.id}`, { as: manager });
    expect(now).toMatchObject({ title: 'By the creator', jiraId: 'UP-7', description: 'By the admin' });
  });

  it('refuses bad input with a 400 naming the field, and writes and publishes nothing', async () => {
    const task = await taskBy(creator, assignee, { title: 'Untouched', description: 'As it was' });
    const before = await tasksEvents(task.id);
    const cases: [unknown, RegExp][] = [
      [{ title: 'a\u0000b' }, /title: must not contain a control character/],
      [{ description: 'nul \u0000 here' }, /description: must not contain a control character/],
      [{ title: 5 }, /title/],
      [{ jiraId: 'up 42' }, /jiraId: must look like UP-42/],
      [{ title: '   ' }, /title/],
      [{ title: 'Has [brackets] inside' }, /must not contain \[ or \]/],
      [{ title: '[UP-1] - Legacy', jiraId: 'UP-2' }, /carries the jira id UP-1 but jiraId is UP-2/],
      [{ rewardCents: 4000 }, /rewardCents cannot be edited/],
      [{ assigneeId: assignee.id, title: 'x' }, /assigneeId cannot be edited/],
      [{ status: 'done' }, /status cannot be edited/],
      [{ colour: 'blue' }, /colour is not a field of a task edit/],
      [{}, /send at least one of title, jiraId, description/],
      [[], /expected object/],
      ['not json', /.+/],
    ];
    for (const [body, detail] of cases) {
      const response = await edit(creator, task.id, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.detail, JSON.stringify(body)).toMatch(detail);
    }
    expect((await stack.call('PATCH', '/v1/tasks/not-a-uuid', { as: manager, body: { title: 'x' } })).status).toBe(400);
    expect((await edit(manager, randomUUID(), { title: 'Nobody' })).status).toBe(404);

    expect(await tasksEvents(task.id)).toEqual(before);
    const { body: now } = await stack.call('GET', `/v1/tasks/${task.id}`, { as: manager });
    expect(now).toMatchObject({ title: 'Untouched', description: 'As it was', jiraId: null });
  });

  it('splits a legacy title as on create, clears with null, and publishes nothing for an edit that changes nothing', async () => {
    const task = await taskBy(creator, assignee, { title: 'Old', description: 'Words' });
    const split = await edit(creator, task.id, { title: '[UP-42] - Fix the beak' });
    expect(split.body).toMatchObject({ title: 'Fix the beak', jiraId: 'UP-42', description: 'Words' });
    const cleared = await edit(creator, task.id, { jiraId: null, description: null });
    expect(cleared.body).toMatchObject({ title: 'Fix the beak', jiraId: null, description: null });

    const before = await tasksEvents(task.id);
    const same = await edit(creator, task.id, { title: 'Fix the beak', description: null });
    expect(same.status).toBe(200);
    expect(same.body.title).toBe('Fix the beak');
    expect(await tasksEvents(task.id)).toEqual(before);
  });

  it('refuses to edit a done task with a 409', async () => {
    const task = await taskBy(creator, assignee);
    expect((await stack.call('POST', `/v1/tasks/${task.id}/complete`, { as: assignee })).status).toBe(200);
    const before = await tasksEvents(task.id);
    const response = await edit(manager, task.id, { title: 'Too late' });
    expect(response.status).toBe(409);
    expect(response.body.detail).toMatch(/done/);
    expect(await tasksEvents(task.id)).toEqual(before);
  });

  it('publishes Task.Updated, and the accounting audit and the analytics audit show the new text', async () => {
    const task = await taskBy(creator, assignee, { title: 'Before the edit', description: 'Old words' });
    await stack.settle();
    const edited = await edit(manager, task.id, { title: '[UP-9] - After the edit', description: 'New words' });
    expect(edited.status).toBe(200);

    const events = await tasksEvents(task.id);
    expect(events.map((e) => e.name)).toEqual(['Task.Created', 'TaskAssigned', 'Task.Updated']);
    expect(events.at(-1)?.data).toMatchObject({
      task_id: task.id,
      title: 'After the edit',
      jira_id: 'UP-9',
      description: 'New words',
      status: 'open',
      fee: task.assignFeeCents,
      reward: task.rewardCents,
      assignee: assignee.id,
    });

    await stack.settle();
    const audit = await stack.call('GET', `/v1/accounts/${assignee.id}/audit`, { as: stack.admin });
    const fee = audit.body.items.find((entry: Json) => entry.taskId === task.id);
    expect(fee).toMatchObject({ kind: 'fee', jiraId: 'UP-9', title: 'After the edit', description: 'New words' });

    const report = await stack.call('GET', `/v1/reports/audit?date=${fee?.businessDay}&limit=1000`, {
      as: stack.admin,
    });
    expect(report.status).toBe(200);
    const rows = report.body.items.filter((row: Json) => row.taskId === task.id);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatchObject({ title: 'After the edit', jiraId: 'UP-9' });
  });
});

describe('GET /v1/tasks filters', () => {
  it('finds tasks by jira id, by text in the title or description ignoring case, and by assignee email', async () => {
    const create = async (body: Record<string, unknown>) =>
      (await stack.call('POST', '/v1/tasks', { as: manager, body })).body;
    const jira = await create({ title: 'Sharpen the claws', jiraId: 'UP-314' });
    const inTitle = await create({ title: 'Feed the ZEBRA finch' });
    const inDescription = await create({ title: 'Clean up', description: 'mind the zebra stripes' });
    const percent = await create({ title: 'Raise 100% of the seed budget' });
    await create({ title: 'Nothing to find here', jiraId: 'UP-315' });
    const list = async (as: SignedIn, query: string) => {
      const response = await stack.call('GET', `/v1/tasks?${query}`, { as });
      expect(response.status, query).toBe(200);
      return response.body.items.map((t: Task) => t.id);
    };

    expect(await list(manager, 'jiraId=UP-314')).toEqual([jira.id]);
    expect(await list(manager, 'search=zebra')).toEqual([inDescription.id, inTitle.id]);
    expect(await list(manager, `search=${encodeURIComponent('100%')}`)).toEqual([percent.id]);
    expect(await list(manager, `search=${encodeURIComponent('%')}`)).toEqual([percent.id]);

    await edit(manager, jira.id, { title: 'Trim the zebra claws', jiraId: 'UP-316' });
    expect(await list(manager, 'jiraId=UP-314')).toEqual([]);
    expect(await list(manager, 'jiraId=UP-316')).toEqual([jira.id]);
    expect(await list(manager, 'search=sharpen')).toEqual([]);
    expect(await list(manager, 'search=zebra')).toEqual([inDescription.id, inTitle.id, jira.id]);

    const people = new Map([creator, assignee, outsider].map((p) => [p.id, p]));
    const owner = people.get(inTitle.assigneeId) as SignedIn;
    const byEmail = await list(manager, `search=zebra&assignee=${encodeURIComponent(owner.email.toUpperCase())}`);
    expect(byEmail).toContain(inTitle.id);
    expect(byEmail).toEqual(await list(manager, `search=zebra&assignee=${owner.id}`));
    expect(byEmail).toEqual(await list(owner, 'search=zebra'));
    expect(await list(owner, `search=zebra&assignee=${encodeURIComponent(owner.email)}`)).toEqual(byEmail);
    expect(await list(manager, 'assignee=nobody@popug.inc')).toEqual([]);
  });

  it('refuses another’s email to a worker, and bad filters with a 400', async () => {
    const other = await stack.call('GET', `/v1/tasks?assignee=${encodeURIComponent(creator.email)}`, {
      as: assignee,
    });
    expect(other.status).toBe(403);
    for (const query of ['jiraId=up-1', 'search=', 'search=a%00b', 'assignee=a%00b', 'search=x&colour=blue']) {
      const response = await stack.call('GET', `/v1/tasks?${query}`, { as: manager });
      expect(response.status, query).toBe(400);
      expect(response.body.detail, query).toEqual(expect.any(String));
    }
  });

  it('answers the jira id and text filters from the search copy’s indexes, beside the task table', async () => {
    const plans = await stack.runtime.conn.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      const plan = async (where: string) =>
        (
          await tx.execute<{ 'QUERY PLAN': string }>(
            sql.raw(`explain select task_id from tasks.task_search where ${where}`),
          )
        )
          .map((row) => row['QUERY PLAN'])
          .join('\n');
      return { jira: await plan(`jira_id = 'UP-314'`), text: await plan(`text ilike '%zebra%'`) };
    });
    expect(plans.jira).toContain('task_search_jira_id_idx');
    expect(plans.text).toContain('task_search_text_trgm_idx');
    // A reassign rewrites every open task's row: each index of the task table costs it an entry per task.
    const [{ indexes } = { indexes: [] }] = await stack.runtime.conn.db.execute<{ indexes: string[] }>(
      sql`select array_agg(indexname::text order by indexname) as indexes from pg_indexes where schemaname = 'tasks' and tablename = 'task'`,
    );
    expect(indexes).toEqual(['task_assignee_status_id_idx', 'task_done_id_idx', 'task_pkey']);
  });
});
