import { connect } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';

let stack: TestStack;
let manager: SignedIn;

/** Rows that a refused request must not have added. */
async function footprint() {
  const [row] = await stack.runtime.conn.db.execute<{ tasks: number; events: number; keys: number }>(sql`
    select (select count(*)::int from tasks.task) as tasks, (select count(*)::int from bus.event_log) as events,
           (select count(*)::int from identity.apikey) as keys`);
  return row;
}

beforeAll(async () => {
  stack = await startTestStack();
  manager = await stack.signUp('manager');
  await stack.signUp('worker');
  await stack.runtime.bus.settle(['tasks.employees']);
});

afterAll(async () => {
  await stack.stop();
});

const HOSTILE = {
  NUL: 'x\u0000y',
  'a lone high surrogate': 'x\ud800y',
  'a lone low surrogate': 'x\udc00y',
  'an escape sequence': 'x\u001b[31my',
};

describe('text in JSON bodies', () => {
  for (const [what, value] of Object.entries(HOSTILE)) {
    it(`refuses ${what} in a title, a description, a full name and an API key name, naming the field`, async () => {
      const before = await footprint();
      const refusals = [
        ['/v1/tasks', manager, { title: value }, 'title'],
        ['/v1/tasks', manager, { title: 'Fix the beak', description: value }, 'description'],
        ['/v1/employees', stack.admin, { email: 'kesha@popug.inc', fullName: value, role: 'worker' }, 'fullName'],
        ['/v1/api-keys', manager, { name: value }, 'name'],
      ] as const;
      for (const [path, as, body, field] of refusals) {
        const response = await stack.call('POST', path, { as, body });
        expect(response.status, `${path} ${field}`).toBe(400);
        expect(response.headers.get('content-type')).toBe('application/problem+json');
        expect(response.body.issues).toContainEqual(expect.objectContaining({ path: field }));
        expect(response.body.detail).toContain(`${field}: must not contain`);
      }
      expect(await footprint()).toEqual(before);
    });
  }

  it('keeps tab and newline in a description but not in a title', async () => {
    const description = 'Line one\n\tLine two\r\nLine three';
    const created = await stack.call('POST', '/v1/tasks', {
      as: manager,
      body: { title: 'Fix the beak', description },
    });
    expect(created.status).toBe(201);
    expect(created.body.description).toBe(description);
    const refused = await stack.call('POST', '/v1/tasks', { as: manager, body: { title: 'Fix\nthe beak' } });
    expect(refused.status).toBe(400);
    expect(refused.body.issues?.[0]?.path).toBe('title');
  });

  it('takes any well-formed text: accents, emoji (a surrogate pair) and right-to-left scripts', async () => {
    const title = 'Répare le bec 🐦 מקור';
    const created = await stack.call('POST', '/v1/tasks', { as: manager, body: { title } });
    expect(created.status).toBe(201);
    expect(created.body.title).toBe(title);
  });
});

describe('text in paths and queries', () => {
  it('answers 400 for a NUL in a path value or a query value, never 500', async () => {
    const cases = [
      ['/v1/accounts/a%00b', stack.admin, 'employeeId'],
      ['/v1/accounts/a%00b/audit', stack.admin, 'employeeId'],
      ['/v1/tasks?assignee=a%00b', manager, 'assignee'],
      ['/v1/employees/a%00b', stack.admin, 'id'],
      ['/v1/dead-letters?consumer=a%00b', stack.admin, 'consumer'],
      ['/v1/employees?cursor=a%00b', stack.admin, 'cursor'],
    ] as const;
    for (const [path, as, field] of cases) {
      const response = await stack.call('GET', path, { as });
      expect(response.status, path).toBe(400);
      expect(response.body.issues?.[0]?.path, path).toBe(field);
    }
  });

  it('answers 404, not 500, for a path value that is not UTF-8 at all', async () => {
    const response = await stack.call('GET', '/v1/accounts/%ED%A0%80', { as: stack.admin });
    expect(response.status).toBe(404);
    expect(response.body.title).toBe('Not Found');
  });

  /** Sends GET /v1/me with a raw `x-api-key` header line, as bytes no fetch client would send; returns the status line. */
  async function withRawKey(value: string): Promise<string> {
    const url = new URL(stack.apiUrl);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(`GET /v1/me HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\nx-api-key: ${value}\r\n\r\n`);
      });
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk.toString('latin1');
      });
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
    });
    return answer.split('\r\n')[0] ?? '';
  }

  it('refuses a control character in a header before anything reads it', async () => {
    for (const value of ['a\u0000b', 'a\u0001b', 'a\u001bb', 'a\u007fb']) {
      expect(await withRawKey(value)).toBe('HTTP/1.1 400 Bad Request');
    }
  });

  it('answers a credential header of bytes beyond ASCII as an unknown key, not a 500', async () => {
    expect(await withRawKey('unknown')).toBe('HTTP/1.1 401 Unauthorized');
    expect(await withRawKey('ключ-🐦')).toBe('HTTP/1.1 401 Unauthorized');
  });
});
