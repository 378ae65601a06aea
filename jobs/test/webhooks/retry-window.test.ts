import { until } from '@ates/db/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { type Receiver, startReceiver, webhookTestEnv } from '../../../test/support/webhook-receiver.ts';

let stack: TestStack;
let manager: SignedIn;
let failing: Receiver;

beforeAll(async () => {
  webhookTestEnv({ ATES_WEBHOOK_RETRY_FOR_MS: '1500' });
  stack = await startTestStack();
  manager = await stack.signUp('manager');
  await stack.signUp('worker');
  failing = await startReceiver(() => 503);
});

afterAll(async () => {
  await stack?.stop();
  await failing?.close();
});

const get = (path: string) => stack.call('GET', path, { as: stack.admin });
const post = (path: string) => stack.call('POST', path, { as: stack.admin });

it('dead-letters after the retry window, disables an endpoint failing all along, and recovers on request', async () => {
  const { body: endpoint } = await stack.call('POST', '/v1/webhooks', {
    as: stack.admin,
    body: { url: failing.url, events: ['Task.Created'] },
  });
  expect((await stack.call('POST', '/v1/tasks', { as: manager, body: { title: 'Doomed' } })).status).toBe(201);

  const failed = await until(async () => {
    const { body } = await get(`/v1/webhooks/${endpoint.id}/deliveries?failed=true`);
    return body.items[0]?.status === 'dead' && body.items[0];
  });
  expect(failed.nextAttemptAt).toBeNull();
  expect(failed.attempts.length).toBeGreaterThanOrEqual(3);
  expect(failed.attempts.every((a: { statusCode: number }) => a.statusCode === 503)).toBe(true);
  const { body: disabled } = await get(`/v1/webhooks/${endpoint.id}`);
  expect(disabled).toMatchObject({ status: 'failing', failingSince: expect.any(String) });

  expect((await stack.call('POST', '/v1/tasks', { as: manager, body: { title: 'Not queued' } })).status).toBe(201);
  await stack.settle();
  expect((await get(`/v1/webhooks/${endpoint.id}/deliveries`)).body.items).toHaveLength(1);
  expect((await post(`/v1/webhook-deliveries/${failed.id}/redeliver`)).status).toBe(409);

  failing.answer = () => 200;
  expect((await post(`/v1/webhooks/${endpoint.id}/enable`)).body).toMatchObject({
    status: 'enabled',
    failingSince: null,
  });
  expect((await post(`/v1/webhook-deliveries/${failed.id}/redeliver`)).body).toMatchObject({ status: 'pending' });
  const delivered = await until(async () => {
    const { body } = await get(`/v1/webhook-deliveries/${failed.id}`);
    return body.status === 'delivered' && body;
  });
  expect(delivered.attempts.at(-1)).toMatchObject({ statusCode: 200, answer: 'ok' });
  expect((await get(`/v1/webhooks/${endpoint.id}/deliveries?failed=true`)).body.items).toEqual([]);
});
