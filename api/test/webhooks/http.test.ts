import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { webhookTestEnv } from '../../../test/support/webhook-receiver.ts';
import { EVENT_NAMES } from '../../src/webhooks/schemas.ts';

let stack: TestStack;
let others: SignedIn[];

const ENDPOINT = '3f6c1e9a-4b7d-4c2e-9f1a-8d5b6e7c0a12';
const DELIVERY = '9a2b7c4d-1e3f-4a5b-8c6d-7e8f9a0b1c2d';

beforeAll(async () => {
  webhookTestEnv();
  stack = await startTestStack({ workers: false });
  others = [await stack.signUp('manager'), await stack.signUp('accountant'), await stack.signUp('worker')];
});

afterAll(async () => {
  await stack?.stop();
});

async function endpointCount(): Promise<number> {
  const [row] = await stack.runtime.conn.db.execute<{ n: number }>(
    sql`select count(*)::int as n from webhooks.endpoints`,
  );
  return row?.n ?? -1;
}

/** A request whose body cannot even be parsed: only a check made before reading it can answer. */
async function raw(method: string, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { ...headers, 'content-type': 'application/json' },
    body: method === 'GET' || method === 'DELETE' ? undefined : '{"not json',
  });
  return { status: response.status, type: response.headers.get('content-type') };
}

/** Every route, and what the admin gets for the same request: the unparsable body only matters there. */
const routes: [string, string, number][] = [
  ['POST', '/v1/webhooks', 400],
  ['GET', '/v1/webhooks', 200],
  ['GET', `/v1/webhooks/${ENDPOINT}`, 404],
  ['DELETE', `/v1/webhooks/${ENDPOINT}`, 404],
  ['POST', `/v1/webhooks/${ENDPOINT}/enable`, 404],
  ['POST', `/v1/webhooks/${ENDPOINT}/disable`, 404],
  ['POST', `/v1/webhooks/${ENDPOINT}/rotate-secret`, 404],
  ['GET', `/v1/webhooks/${ENDPOINT}/deliveries`, 404],
  ['POST', `/v1/webhooks/${ENDPOINT}/replay`, 400],
  ['POST', `/v1/webhooks/${ENDPOINT}/ping`, 404],
  ['GET', `/v1/webhook-deliveries/${DELIVERY}`, 404],
  ['POST', `/v1/webhook-deliveries/${DELIVERY}/redeliver`, 404],
];

describe('who may manage webhooks', () => {
  it.each(routes)(
    '%s %s: 401 anonymous, 403 for every role but admin, before the body is read',
    async (method, path, asAdmin) => {
      expect(await raw(method, path)).toEqual({ status: 401, type: 'application/problem+json' });
      for (const someone of others) {
        expect(await raw(method, path, someone.headers)).toEqual({ status: 403, type: 'application/problem+json' });
      }
      expect((await raw(method, path, stack.admin.headers)).status).toBe(asAdmin);
    },
  );

  it('the event catalogue is public', async () => {
    const { status, body } = await stack.call('GET', '/v1/event-schemas');
    expect(status).toBe(200);
    expect(new Set(body.items.map((e: { name: string }) => e.name))).toEqual(new Set(EVENT_NAMES));
    const taskCreated = body.items.filter((e: { name: string }) => e.name === 'Task.Created');
    expect(taskCreated.map((e: { version: number; current: boolean }) => [e.version, e.current])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(taskCreated[1]?.schema.required).toContain('jira_id');
    expect(body.envelope.required).toEqual([
      'event_id',
      'event_name',
      'event_version',
      'event_time',
      'producer',
      'data',
    ]);
  });
});

describe('registering an endpoint', () => {
  const create = (body: unknown) => stack.call('POST', '/v1/webhooks', { as: stack.admin, body });

  it.each([
    ['a non-URL', { url: 'not a url', events: ['TaskCompleted'] }, 'url'],
    ['plain http', { url: 'http://93.184.216.34/hook', events: ['TaskCompleted'] }, 'must use https'],
    ['another scheme', { url: 'ftp://93.184.216.34/hook', events: ['TaskCompleted'] }, 'must use https'],
    ['a private address', { url: 'https://10.1.2.3/hook', events: ['TaskCompleted'] }, 'private'],
    ['a loopback name not allowed', { url: 'https://localhost/hook', events: ['TaskCompleted'] }, 'private'],
    ['IPv6 loopback', { url: 'https://[::1]/hook', events: ['TaskCompleted'] }, 'private'],
    ['credentials in the URL', { url: 'https://a:b@93.184.216.34/hook', events: ['TaskCompleted'] }, 'credentials'],
    ['an unknown event', { url: 'https://93.184.216.34/hook', events: ['TaskExploded'] }, 'events'],
    ['an empty event list', { url: 'https://93.184.216.34/hook', events: [] }, 'at least one event'],
    ['an unknown field', { url: 'https://93.184.216.34/hook', events: ['TaskCompleted'], secret: 'x' }, 'secret'],
  ])('refuses %s with a 400 and writes nothing', async (_, body, detail) => {
    const before = await endpointCount();
    const { status, body: problem, headers } = await create(body);
    expect(status).toBe(400);
    expect(headers.get('content-type')).toBe('application/problem+json');
    expect(problem.detail).toContain(detail);
    expect(await endpointCount()).toBe(before);
  });

  it('shows the secret once; lists, disables, enables and removes', async () => {
    const created = await create({
      url: 'https://93.184.216.34/hook',
      events: ['TaskCompleted', 'PayoutMade'],
      description: 'Bank',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      url: 'https://93.184.216.34/hook',
      events: ['TaskCompleted', 'PayoutMade'],
      description: 'Bank',
      status: 'enabled',
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    const { id, secret } = created.body;
    const list = await stack.call('GET', '/v1/webhooks', { as: stack.admin });
    expect(list.body.items.map((e: { id: string }) => e.id)).toContain(id);
    const shown = await stack.call('GET', `/v1/webhooks/${id}`, { as: stack.admin });
    expect(JSON.stringify([list.body, shown.body])).not.toContain(secret);

    const disabled = await stack.call('POST', `/v1/webhooks/${id}/disable`, { as: stack.admin });
    expect(disabled.body.status).toBe('disabled');
    const ping = await stack.call('POST', `/v1/webhooks/${id}/ping`, { as: stack.admin });
    expect(ping.status).toBe(409);
    expect((await stack.call('POST', `/v1/webhooks/${id}/enable`, { as: stack.admin })).body.status).toBe('enabled');
    const queued = await stack.call('POST', `/v1/webhooks/${id}/ping`, { as: stack.admin });
    expect(queued).toMatchObject({
      status: 202,
      body: { eventName: 'webhook.ping', status: 'pending', reason: 'ping' },
    });

    expect((await stack.call('DELETE', `/v1/webhooks/${id}`, { as: stack.admin })).status).toBe(204);
    expect((await stack.call('GET', `/v1/webhooks/${id}`, { as: stack.admin })).status).toBe(404);
    expect((await stack.call('GET', `/v1/webhook-deliveries/${queued.body.id}`, { as: stack.admin })).status).toBe(404);
    expect((await stack.call('DELETE', `/v1/webhooks/${id}`, { as: stack.admin })).status).toBe(404);
  });

  it('accepts a loopback address the operator allowed', async () => {
    const { status } = await create({ url: 'https://127.0.0.1:9/hook', events: ['PayoutMade'] });
    expect(status).toBe(201);
  });

  it('refuses a replay from a time that is not one, and an id that is not a uuid', async () => {
    const { body } = await create({ url: 'https://93.184.216.34/other', events: ['PayoutMade'] });
    const bad = await stack.call('POST', `/v1/webhooks/${body.id}/replay`, {
      as: stack.admin,
      body: { from: 'yesterday' },
    });
    expect(bad.status).toBe(400);
    expect((await stack.call('GET', '/v1/webhooks/not-a-uuid', { as: stack.admin })).status).toBe(400);
  });
});

describe('webhook metrics', () => {
  it('count each endpoint’s deliveries by state, its failed attempts and its lag', async () => {
    const created = await stack.call('POST', '/v1/webhooks', {
      as: stack.admin,
      body: { url: 'https://127.0.0.1:9/metrics-hook', events: ['TaskCompleted'] },
    });
    expect(created.status).toBe(201);
    const { id } = created.body;
    // No workers run in this stack: the ping stays pending, and its age is the endpoint's lag.
    expect((await stack.call('POST', `/v1/webhooks/${id}/ping`, { as: stack.admin })).status).toBeLessThan(300);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const text = String((await stack.call('GET', '/metrics', { as: stack.admin })).body);
    const sample = (series: string) =>
      Number(
        text
          .split('\n')
          .find((line) => line.startsWith(`${series} `))
          ?.split(' ')[1] ?? Number.NaN,
      );
    expect(sample(`ates_webhook_deliveries{endpoint="${id}",state="pending"}`)).toBe(1);
    expect(sample(`ates_webhook_deliveries{endpoint="${id}",state="delivered"}`)).toBe(0);
    expect(sample(`ates_webhook_failed_attempts{endpoint="${id}"}`)).toBe(0);
    expect(sample(`ates_webhook_oldest_pending_seconds{endpoint="${id}"}`)).toBeGreaterThanOrEqual(1);
  });
});
