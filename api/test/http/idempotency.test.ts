import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';

let stack: TestStack;
let manager: SignedIn;
let otherManager: SignedIn;
let workers: SignedIn[];

/** The caller's headers with an Idempotency-Key. */
const withKey = (as: SignedIn, key: string) => ({ headers: { ...as.headers, 'idempotency-key': key } });

const createTask = (as: SignedIn, key: string, title = 'Oil the swing') =>
  stack.call('POST', '/v1/tasks', { as: withKey(as, key), body: { title } });

const countRows = async (query: ReturnType<typeof sql>) =>
  Number((await stack.runtime.conn.db.execute<{ n: number }>(query))[0]?.n);

const tasksTitled = (title: string) => countRows(sql`select count(*)::int as n from tasks.task where title = ${title}`);

/** Every fee the ledger charged for `taskId`, read from the employees' audit logs after the ledger settled. */
async function feesCharged(taskIds: string[]): Promise<Map<string, number>> {
  await stack.settle();
  const fees = new Map(taskIds.map((id) => [id, 0]));
  for (const worker of workers) {
    const { body } = await stack.call('GET', `/v1/accounts/${worker.id}/audit?limit=1000`, {
      as: stack.admin,
    });
    for (const entry of body.items) {
      if (entry.kind === 'fee' && entry.taskId && fees.has(entry.taskId)) {
        fees.set(entry.taskId, (fees.get(entry.taskId) ?? 0) + 1);
      }
    }
  }
  return fees;
}

/** POSTs a task over a bare socket, header bytes as given; returns the status. */
function rawCreate(as: SignedIn, key: string, title: string): Promise<number> {
  const { hostname, port } = new URL(stack.apiUrl);
  const body = JSON.stringify({ title });
  const request = [
    'POST /v1/tasks HTTP/1.1',
    `Host: ${hostname}:${port}`,
    `Authorization: ${as.headers.authorization}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `Idempotency-Key: ${key}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(Buffer.from(request, 'latin1')));
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(answer.split(' ')[1])));
  });
}

beforeAll(async () => {
  stack = await startTestStack();
  manager = await stack.signUp('manager');
  otherManager = await stack.signUp('manager');
  workers = [await stack.signUp('worker'), await stack.signUp('worker'), await stack.signUp('worker')];
  await stack.settle();
});

afterAll(async () => {
  await stack.stop();
});

describe('a repeated request with the same Idempotency-Key', () => {
  it('creates the task once, charges its fee once, and replays the first answer', async () => {
    const key = randomUUID();
    const first = await createTask(manager, key, 'Feed the parrots once');
    const again = await createTask(manager, key, 'Feed the parrots once');

    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(again.body).toEqual(first.body);
    expect(await tasksTitled('Feed the parrots once')).toBe(1);
    expect(await feesCharged([first.body.id])).toEqual(new Map([[first.body.id, 1]]));
  });

  it('gives one effect when the same request arrives many times at once', async () => {
    const key = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => createTask(manager, key, 'Sweep the cage at once')),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(201));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(11);
    expect(await tasksTitled('Sweep the cage at once')).toBe(1);
    const id = answers[0]?.body.id ?? '';
    expect(await feesCharged([id])).toEqual(new Map([[id, 1]]));
  });

  it('reassigns once, charging each open task one fee more, however often and however concurrently it is sent', async () => {
    const open = await stack.call('GET', '/v1/tasks?status=open&limit=200', { as: manager });
    const ids = open.body.items.map((t) => t.id);
    const before = await feesCharged(ids);

    const key = randomUUID();
    const reassign = () => stack.call('POST', '/v1/tasks/reassign', { as: withKey(manager, key) });
    const first = await reassign();
    const repeats = await Promise.all([reassign(), reassign(), reassign(), reassign()]);

    expect(first.status).toBe(200);
    for (const repeat of repeats) {
      expect(repeat.status).toBe(200);
      expect(repeat.headers.get('idempotent-replayed')).toBe('true');
      expect(repeat.body).toEqual(first.body);
    }
    const after = await feesCharged(ids);
    for (const id of ids) expect(after.get(id), id).toBe((before.get(id) ?? 0) + 1);
  });

  it('reassigns once when the first send and its retries all race', async () => {
    const open = await stack.call('GET', '/v1/tasks?status=open&limit=200', { as: manager });
    const ids = open.body.items.map((t) => t.id);
    const before = await feesCharged(ids);
    const key = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => stack.call('POST', '/v1/tasks/reassign', { as: withKey(manager, key) })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(5);
    const after = await feesCharged(ids);
    for (const id of ids) expect(after.get(id), id).toBe((before.get(id) ?? 0) + 1);
  });

  it('closes the day once and replays the close', async () => {
    const key = randomUUID();
    const close = () => stack.call('POST', '/v1/business-days/close', { as: withKey(stack.admin, key) });
    const first = await close();
    const again = await close();
    expect(first.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
  });
});

describe('routes of every context', () => {
  it('creates one API key for a repeated POST /v1/api-keys, like any state-changing /v1 route', async () => {
    const key = randomUUID();
    const create = () => stack.call('POST', '/v1/api-keys', { as: withKey(manager, key), body: { name: 'repeat me' } });
    const first = await create();
    const repeat = await create();
    expect([first.status, repeat.status]).toEqual([201, 201]);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(repeat.body.id).toBe(first.body.id);
    expect(await countRows(sql`select count(*)::int as n from identity.apikey where name = 'repeat me'`)).toBe(1);
  });
});

describe('the order of the checks', () => {
  const worker = () => workers[0] as SignedIn;

  it('refuses a caller without the role (403) before it reads the key or the body', async () => {
    const tooBig = { url: `https://hooks.popug.inc/${'x'.repeat(100 * 1024)}` };
    for (const [path, body] of [
      ['/v1/webhooks', tooBig],
      ['/v1/employees', { email: 'big@popug.inc', fullName: 'x'.repeat(100 * 1024), role: 'worker' }],
    ] as const) {
      for (const key of ['bad\u00e9key', randomUUID()]) {
        const answer = await stack.call('POST', path, { as: withKey(worker(), key), body });
        expect(answer.status, `${path} ${key}`).toBe(403);
      }
    }
  });

  it('refuses a caller without credentials (401) whatever key and body come with it', async () => {
    const answer = await stack.call('POST', '/v1/tasks', {
      as: { headers: { 'idempotency-key': 'bad\u00e9key' } },
      body: { title: 'x'.repeat(100 * 1024) },
    });
    expect(answer.status).toBe(401);
  });
});

describe('what a key is bound to', () => {
  it('refuses the same key with another body with a 422 problem, and changes nothing', async () => {
    const key = randomUUID();
    expect((await createTask(manager, key, 'Tune the squawk')).status).toBe(201);
    const other = await createTask(manager, key, 'Tune the squawk louder');
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
    expect(other.body).toMatchObject({ status: 422, title: 'Unprocessable Content' });
    expect(other.body.detail).toContain('another request');
    expect(await tasksTitled('Tune the squawk louder')).toBe(0);
  });

  it('refuses the same key on another path', async () => {
    const key = randomUUID();
    expect((await createTask(manager, key, 'Ring the bell')).status).toBe(201);
    const reassign = await stack.call('POST', '/v1/tasks/reassign', { as: withKey(manager, key) });
    expect(reassign.status).toBe(422);
  });

  it('keeps the keys of different callers apart', async () => {
    const key = randomUUID();
    const mine = await createTask(manager, key, 'Count the seeds');
    const theirs = await createTask(otherManager, key, 'Count the seeds');
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(await tasksTitled('Count the seeds')).toBe(2);
  });

  it('creates a new task for each request without a key, and for each fresh key', async () => {
    for (const key of [undefined, undefined, randomUUID(), randomUUID()]) {
      const as = key ? withKey(manager, key) : manager;
      expect((await stack.call('POST', '/v1/tasks', { as, body: { title: 'Fill the water dish' } })).status).toBe(201);
    }
    expect(await tasksTitled('Fill the water dish')).toBe(4);
  });
});

describe('keys that are not kept', () => {
  it('refuses an empty, overlong or non-ASCII key with a 400 problem, and writes nothing', async () => {
    for (const key of ['', 'k'.repeat(256), 'caf\u00e9', ' ']) {
      const answer = await stack.call('POST', '/v1/tasks', { as: withKey(manager, key), body: { title: 'Sort' } });
      expect(answer.status, JSON.stringify(key)).toBe(400);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.body.detail).toContain('Idempotency-Key');
    }
    expect(await tasksTitled('Sort')).toBe(0);
    expect((await createTask(manager, 'k'.repeat(255), 'Sort')).status).toBe(201);
  });

  it('refuses a key with control characters with a 400, which no HTTP client library would even send', async () => {
    for (const key of ['bad\u0001key', 'bad\u007fkey', 'bad\u0000key']) {
      expect(await rawCreate(manager, key, 'Shout'), JSON.stringify(key)).toBe(400);
    }
    expect(await tasksTitled('Shout')).toBe(0);
  });

  it('does not keep an answer the request was refused with at the door (validation), so a fixed retry runs', async () => {
    const key = randomUUID();
    const invalid = await stack.call('POST', '/v1/tasks', { as: withKey(manager, key), body: { title: '' } });
    expect(invalid.status).toBe(400);
    const fixed = await createTask(manager, key, 'Mend the nest');
    expect(fixed.status).toBe(201);
    expect(fixed.headers.get('idempotent-replayed')).toBeNull();
  });

  it('does not keep a failure on our side: the retry with the same key runs afresh and succeeds', async () => {
    const db = stack.runtime.conn.db;
    await db.execute(
      sql.raw(`
      create function refuse_task() returns trigger language plpgsql as $$
      begin raise exception 'disk full'; end $$;
      create trigger refuse_task before insert on tasks.task for each row execute function refuse_task();`),
    );
    const key = randomUUID();
    try {
      expect((await createTask(manager, key, 'Polish the perches')).status).toBe(500);
    } finally {
      await db.execute(sql.raw('drop trigger refuse_task on tasks.task; drop function refuse_task();'));
    }
    const retry = await createTask(manager, key, 'Polish the perches');
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(await tasksTitled('Polish the perches')).toBe(1);
  });

  it('lets a retry take over a key whose request died without answering', async () => {
    const key = randomUUID();
    const first = await createTask(manager, key, 'Oil the hinges');
    expect(first.status).toBe(201);
    // As a process killed mid-request leaves it: claimed, no answer, no heartbeat for a minute.
    await stack.runtime.conn.db.execute(sql`
      update http.idempotency_keys set owner = gen_random_uuid(), status = null, headers = null, body = null,
             heartbeat_at = now() - interval '1 minute'
      where employee_id = ${manager.id} and key = ${key}`);
    const retry = await createTask(manager, key, 'Oil the hinges');
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
  });

  it('answers 409 with Retry-After while the request that holds the key is alive and still running', async () => {
    const key = randomUUID();
    expect((await createTask(manager, key, 'Perch patrol')).status).toBe(201);
    await stack.runtime.conn.db.execute(sql`
      update http.idempotency_keys set owner = gen_random_uuid(), status = null, headers = null, body = null,
             heartbeat_at = now() + interval '1 minute'
      where employee_id = ${manager.id} and key = ${key}`);
    const waiting = await createTask(manager, key, 'Perch patrol');
    expect(waiting.status).toBe(409);
    expect(waiting.headers.get('retry-after')).toBe('1');
    expect(waiting.body.detail).toContain('still running');
    expect(await tasksTitled('Perch patrol')).toBe(1);
  });
});

describe('the OpenAPI document', () => {
  it('describes the Idempotency-Key on every state-changing /v1 operation, with its problems', async () => {
    const { body } = await stack.call('GET', '/openapi.json');
    expect(body.components.parameters.IdempotencyKey).toMatchObject({ name: 'Idempotency-Key', in: 'header' });
    let described = 0;
    for (const [path, item] of Object.entries<Record<string, Record<string, unknown>>>(body.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!path.startsWith('/v1/') || !['post', 'put', 'patch', 'delete'].includes(method)) continue;
        expect(operation.parameters, `${method} ${path}`).toContainEqual({
          $ref: '#/components/parameters/IdempotencyKey',
        });
        expect(Object.keys(operation.responses as object), `${method} ${path}`).toEqual(
          expect.arrayContaining(['400', '409', '422']),
        );
        described++;
      }
    }
    expect(described).toBeGreaterThanOrEqual(7);
    expect((await stack.call('GET', '/openapi.json')).body).toEqual(body);
  });
});
