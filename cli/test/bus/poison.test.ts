import { randomUUID } from 'node:crypto';
import { appendRawEvents } from '@ates/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { EXIT } from '../../src/base-command.ts';
import { STACK_TRACE, type Terminal, terminal } from '../identity/support.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read --json output field by field and assert on them
type Json = any;

let stack: TestStack;
let manager: SignedIn;
let admin: Terminal;
/** The publish the poison batch belongs to. */
let poisonPublish: string;
let poisonEvent: string;

const count = async (query: ReturnType<typeof sql>) =>
  Number((await stack.runtime.conn.db.execute<{ n: number }>(query))[0]?.n);

const lettersOf = (items: Json[]) => items.filter((l: Json) => l.events.some((e: Json) => e.eventId === poisonEvent));

beforeAll(async () => {
  stack = await startTestStack();
  manager = await stack.signUp('manager');
  await stack.signUp('worker');
  await stack.settle();
  admin = await terminal(stack.apiUrl);
  const login = await admin.run(['login', '--email', stack.admin.email], { ATES_PASSWORD: stack.admin.password });
  expect(login.code, login.stderr).toBe(0);
});

afterAll(async () => {
  await admin?.close();
  await stack?.stop();
});

describe('publish refuses what the bus could not deliver', () => {
  it('answers a 400 for a task whose title the stores cannot hold, and writes nothing', async () => {
    const tasks = () => count(sql`select count(*)::int as n from tasks.task`);
    const events = () => count(sql`select count(*)::int as n from bus.event_batch`);
    const [tasksBefore, eventsBefore] = [await tasks(), await events()];
    const created = await stack.call('POST', '/v1/tasks', { as: manager, body: { title: 'Fix\ud800 the beak' } });
    expect(created.status).toBe(400);
    expect(created.headers.get('content-type')).toContain('application/problem+json');
    expect(created.body).toMatchObject({ status: 400, title: 'Bad Request' });
    expect([await tasks(), await events()]).toEqual([tasksBefore, eventsBefore]);
  });
});

describe('POST /v1/dead-letters/retry', () => {
  it('without a body is a 400 naming the missing consumer', async () => {
    const response = await fetch(`${stack.apiUrl}/v1/dead-letters/retry`, {
      method: 'POST',
      headers: stack.admin.headers,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).detail).toMatch(/consumer/);
  });
});

describe('the bus operations over HTTP', () => {
  it('refuse what they cannot act on with a 400, and anyone but an admin with a 403', async () => {
    const as = { as: stack.admin };
    const refused = [
      await stack.call('POST', '/v1/dead-letters/retry', { ...as, body: {} }),
      await stack.call('POST', '/v1/dead-letters/discard', as),
      await stack.call('GET', '/v1/dead-letters?cursor=not-one', as),
      await stack.call('GET', '/v1/dead-letters?limit=0', as),
      await stack.call('POST', '/v1/bus/replays', {
        ...as,
        body: { consumer: 'accounting.ledger', from: '0000-01-01T00:00:00Z' },
      }),
      await stack.call('POST', '/v1/bus/replays', { ...as, body: { consumer: 'accounting.ledger', from: 'x\ud800' } }),
    ];
    expect(refused.map((r) => r.status)).toEqual([400, 400, 400, 400, 400, 400]);
    expect(refused[0]?.body.detail).toMatch(/consumer/);
    const unknown = await stack.call('POST', '/v1/bus/replays', { ...as, body: { consumer: 'no.such' } });
    expect(unknown.status).toBe(404);
    for (const [method, path] of [
      ['GET', '/v1/dead-letters'],
      ['GET', '/v1/status'],
      ['POST', '/v1/bus/replays'],
    ] as const) {
      const body = method === 'POST' ? { consumer: 'accounting.ledger' } : undefined;
      expect((await stack.call(method, path, { as: manager, body })).status).toBe(403);
    }
  });
});

// Several runs of the real binary per test: each starts a Node process, which on a loaded machine takes long.
describe('a poison batch written raw into the log', { timeout: 240_000 }, () => {
  beforeAll(async () => {
    const { db } = stack.runtime.conn;
    poisonEvent = randomUUID();
    const delivery = await appendRawEvents(db, [
      {
        event_id: poisonEvent,
        event_name: 'Employee.Created',
        event_version: 1,
        data: { employee_id: randomUUID(), full_name: 'Rogue\ud800 Popug', role: 'worker', email: 'rogue@popug.inc' },
      },
    ]);
    poisonPublish = delivery.publish_id;
    await db.execute(sql`insert into bus.outbox (position)
      select position from bus.event_batch where publish_id = ${poisonPublish}`);
  });

  it('blocks none of the events behind it: a task created after it is charged', async () => {
    const created = await stack.call('POST', '/v1/tasks', { as: manager, body: { title: 'After the poison' } });
    expect(created.status).toBe(201);
    await stack.settle();
    const charged = await count(
      sql`select count(*)::int as n from accounting.transactions where task_id = ${created.body.id} and kind = 'fee'`,
    );
    expect(charged).toBe(1);
  });

  it('is listed page by page over HTTP', async () => {
    const first = await stack.call('GET', '/v1/dead-letters?limit=2', { as: stack.admin });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    const rest = await stack.call('GET', `/v1/dead-letters?cursor=${first.body.nextCursor}`, { as: stack.admin });
    expect(rest.body.nextCursor).toBeNull();
    expect(rest.body.items).toHaveLength(2);
    expect(rest.body.items).toEqual(rest.body.items.map(() => expect.objectContaining({ attempts: 1 })));
  });

  it('is listed by `ates bus dead-letters`, once for each consumer that reads it', async () => {
    const listed = await admin.json(['bus', 'dead-letters']);
    const letters = lettersOf(listed.items);
    expect(letters.map((l: Json) => l.consumer).sort()).toEqual([
      'accounting.ledger',
      'analytics.projection',
      'tasks.employees',
      'webhooks.fan-out',
    ]);
    expect(letters[0]).toMatchObject({ attempts: 1, reason: expect.stringMatching(/unpaired UTF-16 surrogate/) });
    const table = await admin.run(['bus', 'dead-letters']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('Employee.Created v1');
  });

  it('shows in `ates status` while /ready stays up', async () => {
    expect((await stack.call('GET', '/ready')).status).toBe(200);
    const status = await admin.json(['status']);
    const ledger = status.bus.consumers.find((c: Json) => c.consumer === 'accounting.ledger');
    expect(ledger).toMatchObject({ queued: 0, deadLetters: 1, oldestQueuedAt: null });
    expect(status.bus.deadLetters).toBe(4);
    expect((await stack.call('GET', '/v1/status', { as: manager })).status).toBe(403);
  });

  it('survives `ates bus replay` of the ledger, which moves no money twice and letters it no twice', async () => {
    const ledgerRows = () => count(sql`select count(*)::int as n from accounting.entries`);
    const before = await ledgerRows();
    const replay = await admin.json(['bus', 'replay', '--consumer', 'accounting.ledger', '--yes']);
    expect(replay).toMatchObject({ consumer: 'accounting.ledger', queued: 0 });
    expect(replay.deliveries).toBeGreaterThan(1);
    await stack.settle();
    expect(await ledgerRows()).toBe(before);
    const listed = await admin.json(['bus', 'dead-letters', '--consumer', 'accounting.ledger']);
    expect(lettersOf(listed.items)).toHaveLength(1);
  });

  it('is skipped and counted by a rebuild, which carries on', async () => {
    const rebuild = await admin.json(['analytics', 'rebuild', '--yes']);
    expect(rebuild).toMatchObject({ state: 'done', rejected: 1 });
    const verify = await admin.json(['analytics', 'verify']);
    expect(verify).toMatchObject({ agrees: true, differences: [] });
  });

  it('asks before a replay, and refuses a bad --from or a missing --yes off a terminal', async () => {
    const noYes = await admin.run(['bus', 'replay', '--consumer', 'accounting.ledger']);
    expect(noYes.code).toBe(EXIT.badInput);
    expect(noYes.message).toMatch(/--yes/);
    const badFrom = await admin.run([
      'bus',
      'replay',
      '--consumer',
      'accounting.ledger',
      '--from',
      'yesterday',
      '--yes',
    ]);
    expect(badFrom.code).toBe(EXIT.badInput);
    const unknown = await admin.run(['bus', 'replay', '--consumer', 'no.such', '--yes']);
    expect(unknown.code).toBe(EXIT.notFound);
    for (const run of [noYes, badFrom, unknown]) expect(run.stderr).not.toMatch(STACK_TRACE);
  });

  it('goes for good with `ates bus discard`, and its events stay in the log', async () => {
    const discarded = await admin.json(['bus', 'discard', '--consumer', 'analytics.projection', '--yes']);
    expect(discarded).toEqual({ discarded: 1 });
    const listed = await admin.json(['bus', 'dead-letters']);
    expect(
      lettersOf(listed.items)
        .map((l: Json) => l.consumer)
        .sort(),
    ).toEqual(['accounting.ledger', 'tasks.employees', 'webhooks.fan-out']);
    expect(await count(sql`select count(*)::int as n from bus.event_batch where publish_id = ${poisonPublish}`)).toBe(
      1,
    );
  });
});
