import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { type Receiver, startReceiver, webhookTestEnv } from '../../../test/support/webhook-receiver.ts';
import { STACK_TRACE, type Terminal, terminal } from '../identity/support.ts';

let stack: TestStack;
let admin: Terminal;
let worker: Terminal;
let receiver: Receiver;

beforeAll(async () => {
  webhookTestEnv();
  stack = await startTestStack();
  receiver = await startReceiver();
  admin = await terminal(stack.apiUrl);
  worker = await terminal(stack.apiUrl);
  const someone = await stack.signUp('worker');
  expect((await admin.run(['login', '--email', stack.admin.email], { ATES_PASSWORD: stack.admin.password })).code).toBe(
    0,
  );
  expect((await worker.run(['login', '--email', someone.email], { ATES_PASSWORD: someone.password })).code).toBe(0);
});

afterAll(async () => {
  await admin?.close();
  await worker?.close();
  await stack?.stop();
  await receiver?.close();
});

describe('ates webhook', () => {
  it('add shows the secret once; list, show, ping, deliveries, redeliver, replay, rotate-secret, disable, remove', async () => {
    const added = await admin.run([
      'webhook',
      'add',
      '--url',
      receiver.url,
      '--event',
      'Task.Created',
      '--event',
      'TaskAssigned',
    ]);
    expect(added.code, added.stderr).toBe(0);
    const secret = /^(whsec_\S+)$/m.exec(added.stdout)?.[1] ?? '';
    expect(added.stdout).toContain('copy it now; it is not shown again');
    const [endpoint] = (await admin.json(['webhook', 'list'])).items;
    expect(endpoint).toMatchObject({ url: receiver.url, events: ['Task.Created', 'TaskAssigned'], status: 'enabled' });
    expect((await admin.run(['webhook', 'show', endpoint.id])).stdout).toContain('Events:  Task.Created, TaskAssigned');

    const ping = await admin.run(['webhook', 'ping', endpoint.id]);
    expect(ping.code, ping.stderr).toBe(0);
    expect(ping.stdout).toMatch(/^Delivered webhook\.ping .*: 204 in \d+ ms/);
    expect(receiver.verified(secret).size).toBe(1);

    const since = new Date().toISOString();
    expect((await stack.call('POST', '/v1/tasks', { as: stack.admin, body: { title: 'Hooked' } })).status).toBe(201);
    await stack.settle();
    const deliveries = await admin.json(['webhook', 'deliveries', endpoint.id]);
    expect(deliveries.items.map((d: { eventName: string }) => d.eventName).sort()).toEqual([
      'Task.Created',
      'TaskAssigned',
      'webhook.ping',
    ]);
    const table = await admin.run(['webhook', 'deliveries', endpoint.id]);
    expect(table.stdout).toMatch(/Delivery.*Event.*State.*#.*Tried.*Status.*Latency.*Answer.*Next try/);
    expect((await admin.run(['webhook', 'deliveries', endpoint.id, '--failed'])).stdout).toContain(
      'No failed deliveries.',
    );

    const again = await admin.json(['webhook', 'redeliver', deliveries.items[0].id]);
    expect(again).toMatchObject({ id: deliveries.items[0].id, status: 'pending' });
    const replay = await admin.run(['webhook', 'replay', endpoint.id, '--from', since]);
    expect(replay.stdout).toContain('Queued 2 events since');

    const rotated = await admin.json(['webhook', 'rotate-secret', endpoint.id]);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.previousSecretExpiresAt).toEqual(expect.any(String));
    expect((await admin.json(['webhook', 'disable', endpoint.id])).status).toBe('disabled');
    const refused = await admin.run(['webhook', 'ping', endpoint.id]);
    expect(refused.code).toBe(6);
    expect(refused.message).toContain('enable it first');

    expect((await admin.run(['webhook', 'remove', endpoint.id])).code).toBe(2);
    expect(await admin.json(['webhook', 'remove', endpoint.id, '--yes'])).toEqual({ id: endpoint.id, removed: true });
    expect((await admin.run(['webhook', 'enable', endpoint.id])).code).toBe(5);
  }, 600_000);

  it('exits 2 on bad input, 4 for another role, with a message and no stack trace', async () => {
    const http = await admin.run(['webhook', 'add', '--url', 'http://93.184.216.34/hook', '--event', 'PayoutMade']);
    expect(http.code).toBe(2);
    expect(http.message).toContain('must use https');
    const unknown = await admin.run(['webhook', 'add', '--url', 'https://93.184.216.34/hook', '--event', 'Nope']);
    expect(unknown.code).toBe(2);
    const when = await admin.run(['webhook', 'replay', '3f6c1e9a-4b7d-4c2e-9f1a-8d5b6e7c0a12', '--from', 'yesterday']);
    expect(when.code).toBe(2);
    const forbidden = await worker.run(['webhook', 'list']);
    expect(forbidden.code).toBe(4);
    expect(forbidden.message).toContain('admin');
    for (const run of [http, unknown, when, forbidden]) expect(run.stderr).not.toMatch(STACK_TRACE);
  }, 300_000);

  it('explains itself in --help with an example', async () => {
    const help = await admin.run(['webhook', 'add', '--help']);
    expect(help.stdout).toContain('EXAMPLES');
    expect(help.stdout).toContain('webhook add --url https://');
  }, 120_000);
});
