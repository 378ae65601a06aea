import { latestVersions } from '@ates/db/bus';
import { appendRawEvents, until } from '@ates/db/testing';
import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { type Receiver, startReceiver, webhookTestEnv } from '../../../test/support/webhook-receiver.ts';

const EVENT_NAMES = Object.keys(latestVersions());

let stack: TestStack;
let manager: SignedIn;
let workers: SignedIn[];
const receivers: Receiver[] = [];

beforeAll(async () => {
  webhookTestEnv({ ATES_WEBHOOK_CONCURRENCY: '2' });
  stack = await startTestStack();
  manager = await stack.signUp('manager');
  workers = [await stack.signUp('worker'), await stack.signUp('worker')];
});

afterAll(async () => {
  await stack?.stop();
  for (const receiver of receivers) await receiver.close();
});

async function receiver(answer?: Receiver['answer']): Promise<Receiver> {
  const started = await startReceiver(answer);
  receivers.push(started);
  return started;
}

async function register(url: string, events: string[] = EVENT_NAMES): Promise<{ id: string; secret: string }> {
  const { status, body } = await stack.call('POST', '/v1/webhooks', { as: stack.admin, body: { url, events } });
  expect(status).toBe(201);
  return body;
}

async function createTasks(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { status, body } = await stack.call('POST', '/v1/tasks', { as: manager, body: { title: `Hook ${i}` } });
    expect(status).toBe(201);
    ids.push(body.id);
  }
  return ids;
}

/** Event ids the log holds with these names, published at or after `since`. */
async function logged(names: string[], since = '-infinity'): Promise<string[]> {
  const rows = await stack.runtime.conn.db.execute<{ event_id: string }>(sql`
    select event_id from bus.event_log
    where event_name = any(${`{${names.join(',')}}`}::text[]) and event_time >= ${since}::timestamptz
    order by position, seq`);
  return rows.map((r) => r.event_id);
}

const ids = (r: Receiver) => new Set(r.requests.map((q) => q.headers['webhook-id']));

describe('webhook delivery', () => {
  it('delivers every event of a workload, signed, at its current version, once per webhook-id', async () => {
    const all = await receiver();
    const taskEvents = await receiver();
    const endpoint = await register(all.url);
    const taskEndpoint = await register(taskEvents.url, ['TaskCompleted', 'Task.Created']);
    const tasks = await createTasks(6);
    workers.push(await stack.signUp('worker'));
    for (const id of tasks) {
      const { body: task } = await stack.call('GET', `/v1/tasks/${id}`, { as: manager });
      const assignee = workers.find((w) => w.id === task.assigneeId);
      if (assignee) expect((await stack.call('POST', `/v1/tasks/${id}/complete`, { as: assignee })).status).toBe(200);
    }
    await stack.settle();

    const since = await stack.runtime.conn.db.execute<{ created_at: string }>(
      sql`select created_at::text from webhooks.endpoints where id = ${endpoint.id}`,
    );
    const sinceRegistration = await logged(EVENT_NAMES, since[0]?.created_at);
    await until(async () => sinceRegistration.every((id) => ids(all).has(id)));
    const bodies = all.verified(endpoint.secret);
    expect([...bodies.keys()].sort()).toEqual([...ids(all)].sort());
    const names = new Set([...bodies.values()].map((b) => (b as { event_name: string }).event_name));
    expect(names).toEqual(
      new Set([
        'Employee.Created',
        'Task.Created',
        'TaskAssigned',
        'AccountDebited',
        'TaskCompleted',
        'Task.Updated',
        'AccountCredited',
      ]),
    );
    for (const id of sinceRegistration) expect(bodies.has(id)).toBe(true);
    const created = [...bodies.values()].filter((b) => (b as { event_name: string }).event_name === 'Task.Created');
    expect(created).toHaveLength(6);
    expect(created).toContainEqual(
      expect.objectContaining({
        event_version: 2,
        producer: 'tasks',
        data: expect.objectContaining({ title: 'Hook 0' }),
      }),
    );

    const onlyTasks = await logged(['Task.Created', 'TaskCompleted'], since[0]?.created_at);
    await until(async () => onlyTasks.every((id) => ids(taskEvents).has(id)));
    expect([...taskEvents.verified(taskEndpoint.secret).keys()].sort()).toEqual([...onlyTasks].sort());
  });

  it('retries a receiver answering 500 until it answers 200, and records each attempt', async () => {
    const seen = new Set<string>();
    const flaky = await receiver((request) => {
      const id = request.headers['webhook-id'] ?? '';
      if (seen.has(id)) return 200;
      seen.add(id);
      return 500;
    });
    const endpoint = await register(flaky.url, ['Task.Created']);
    const [task] = await createTasks(1);
    await stack.settle();
    const [eventId] = await stack.runtime.conn.db.execute<{ event_id: string }>(
      sql`select event_id from bus.event_log where event_name = 'Task.Created' and data->>'task_id' = ${task}`,
    );
    const delivery = await until(async () => {
      const { body } = await stack.call('GET', `/v1/webhooks/${endpoint.id}/deliveries`, { as: stack.admin });
      const [first] = body.items;
      return first?.status === 'delivered' ? first : undefined;
    });
    expect(delivery).toMatchObject({ eventId: eventId?.event_id, eventName: 'Task.Created', nextAttemptAt: null });
    expect(delivery.attempts.map((a) => a.statusCode)).toEqual([500, 200]);
    expect(delivery.attempts[0]?.answer).toBe('failing with 500');
    expect(flaky.requests).toHaveLength(2);
    expect(flaky.verified(endpoint.secret).get(eventId?.event_id ?? '')).toMatchObject({ data: { task_id: task } });
    const failed = await stack.call('GET', `/v1/webhooks/${endpoint.id}/deliveries?failed=true`, { as: stack.admin });
    expect(failed.body.items).toEqual([]);
  });

  it('gets everything to a receiver that was down once it is back', async () => {
    const offline = await receiver();
    const endpoint = await register(offline.url, ['Task.Created', 'TaskAssigned']);
    await offline.down();
    const since = new Date().toISOString();
    await createTasks(4);
    await stack.settle();
    const expected = await logged(['Task.Created', 'TaskAssigned'], since);
    expect(expected).toHaveLength(8);
    await until(async () => {
      const { body } = await stack.call('GET', `/v1/webhooks/${endpoint.id}/deliveries?failed=true`, {
        as: stack.admin,
      });
      return body.items.length === 8 && body.items.every((d: { attempts: unknown[] }) => d.attempts.length >= 2);
    });
    expect(offline.requests).toHaveLength(0);
    await offline.up();
    await until(async () => expected.every((id) => ids(offline).has(id)));
    expect([...offline.verified(endpoint.secret).keys()].sort()).toEqual([...expected].sort());
    const { body: endpointNow } = await stack.call('GET', `/v1/webhooks/${endpoint.id}`, { as: stack.admin });
    expect(endpointNow).toMatchObject({ status: 'enabled', failingSince: null });
  });

  it('a receiver that hangs does not hold up another endpoint', async () => {
    const stuck = await receiver(() => 'hang');
    const healthy = await receiver();
    const hung = await register(stuck.url, ['Task.Created']);
    const fine = await register(healthy.url, ['Task.Created']);
    const tasks = await createTasks(5);
    const delivered = await until(async () => {
      const { body } = await stack.call('GET', `/v1/webhooks/${fine.id}/deliveries`, { as: stack.admin });
      return body.items.filter((d: { status: string }) => d.status === 'delivered').length === 5 && body.items;
    });
    expect(delivered).toHaveLength(5);
    const taskIds = [...healthy.verified(fine.secret).values()].map(
      (b) => (b as { data: { task_id: string } }).data.task_id,
    );
    expect(taskIds.sort()).toEqual([...tasks].sort());
    // Both of the stuck endpoint's slots (ATES_WEBHOOK_CONCURRENCY) hang, and nothing reached it.
    expect(stuck.requests.length).toBeGreaterThanOrEqual(2);
    const { body } = await stack.call('GET', `/v1/webhooks/${hung.id}/deliveries`, { as: stack.admin });
    expect(body.items.filter((d: { status: string }) => d.status === 'delivered')).toEqual([]);
  });

  it('signs with the old and the new secret for the 24 hours after a rotation', async () => {
    const rotating = await receiver();
    const endpoint = await register(rotating.url, ['Task.Created']);
    const rotated = await stack.call('POST', `/v1/webhooks/${endpoint.id}/rotate-secret`, { as: stack.admin });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    const overlap = Date.parse(String(rotated.body.previousSecretExpiresAt)) - Date.now();
    expect(overlap).toBeGreaterThan(23.9 * 3_600_000);
    expect(overlap).toBeLessThanOrEqual(24 * 3_600_000);
    await createTasks(1);
    await until(async () => rotating.requests.length > 0);
    const [request] = rotating.requests;
    expect(request?.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(rotating.verified(endpoint.secret).size).toBe(1);
    expect(rotating.verified(rotated.body.secret).size).toBe(1);
    const stranger = new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`);
    expect(() => stranger.verify(request?.body ?? '', request?.headers ?? {})).toThrow('No matching signature');
  });

  it('replays from a time exactly what the log holds since then, old versions upcast', async () => {
    const late = await receiver();
    await createTasks(2);
    await stack.settle();
    const from = new Date().toISOString();
    await createTasks(3);
    await appendRawEvents(stack.runtime.conn.db, [
      {
        event_id: '7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
        event_name: 'Task.Created',
        event_version: 1,
        data: {
          task_id: 'legacy-task',
          title: '[UP-7] - Old form',
          description: null,
          status: 'open',
          fee: 1000,
          reward: 2000,
          assignee: manager.id,
          completed_at: null,
        },
      },
    ]);
    await stack.settle();
    const endpoint = await register(late.url, ['Task.Created', 'TaskAssigned']);
    const expected = await logged(['Task.Created', 'TaskAssigned'], from);
    expect(expected).toHaveLength(7);
    const replayed = await stack.call('POST', `/v1/webhooks/${endpoint.id}/replay`, {
      as: stack.admin,
      body: { from },
    });
    expect(replayed).toMatchObject({ status: 202, body: { queued: 7 } });
    await until(async () => late.requests.length >= 7);
    await stack.settle();
    const bodies = late.verified(endpoint.secret);
    expect([...bodies.keys()].sort()).toEqual([...expected].sort());
    expect(late.requests).toHaveLength(7);
    expect(bodies.get('7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f')).toMatchObject({
      event_version: 2,
      data: { title: 'Old form', jira_id: 'UP-7' },
    });
  });
  it('never connects to an internal address it was not allowed, even when a name points there later', async () => {
    const inside = await receiver();
    const port = new URL(inside.url).port;
    // As if `localhost` had resolved to a public address at registration and was rebound since.
    const [endpoint] = await stack.runtime.conn.db.execute<{ id: string }>(sql`
      insert into webhooks.endpoints (url, events, secret, created_by)
      values (${`https://localhost:${port}/hook`}, '{Task.Created}', ${`whsec_${Buffer.alloc(32, 3).toString('base64')}`},
        'test') returning id`);
    await createTasks(1);
    const refused = await until(async () => {
      const { body } = await stack.call('GET', `/v1/webhooks/${endpoint?.id}/deliveries?failed=true`, {
        as: stack.admin,
      });
      return body.items[0]?.attempts[0];
    });
    expect(refused).toMatchObject({ statusCode: null, answer: expect.stringContaining('internal address') });
    expect(inside.requests).toHaveLength(0);
  });
});
