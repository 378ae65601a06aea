import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';

let stack: TestStack;
let worker: SignedIn;

const BIG = 20 * 1024 * 1024;

/** A JSON body of `bytes` bytes that is a valid task but for its length. */
const hugeTask = (bytes: number) => JSON.stringify({ title: 'Big', description: 'x'.repeat(bytes) });

/** A body with no Content-Length: chunks, so only reading it tells how long it is. */
function streamed(bytes: number): ReadableStream<Uint8Array> {
  const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent === 0) controller.enqueue(new TextEncoder().encode('{"title":"Big","description":"'));
      if (sent >= bytes) {
        controller.enqueue(new TextEncoder().encode('"}'));
        controller.close();
        return;
      }
      controller.enqueue(chunk);
      sent += chunk.length;
    },
  });
}

function post(path: string, body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) {
  return fetch(`${stack.apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
}

async function expectProblem(response: Response, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(await response.json()).toMatchObject({ status });
}

const tasks = async () =>
  (await stack.runtime.conn.db.execute<{ n: number }>(sql`select count(*)::int as n from tasks.task`))[0]?.n;

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
  worker = await stack.signUp('worker');
});

afterAll(async () => {
  await stack?.stop();
});

describe('authentication comes before the body', () => {
  it('answers an anonymous 20 MB task 401, not 400 or 413', async () => {
    await expectProblem(await post('/v1/tasks', hugeTask(BIG)), 401);
    await expectProblem(await post('/v1/tasks', streamed(BIG)), 401);
  });

  it('answers anonymous malformed JSON 401', async () => {
    await expectProblem(await post('/v1/tasks', '{"title": '), 401);
    await expectProblem(await post('/v1/employees', '{}'), 401);
  });
});

describe('authorization comes before the body', () => {
  it('answers a worker creating an employee 403, whatever the body', async () => {
    for (const body of ['{}', '{"email": ', hugeTask(BIG)]) {
      await expectProblem(await post('/v1/employees', body, worker.headers), 403);
    }
    await expectProblem(await post('/v1/employees', streamed(BIG), worker.headers), 403);
  });

  it('answers a worker reassigning tasks or retrying dead letters 403, whatever the body', async () => {
    await expectProblem(await post('/v1/tasks/reassign', '{"x": ', worker.headers), 403);
    await expectProblem(await post('/v1/dead-letters/retry', '[]', worker.headers), 403);
  });
});

describe('the body is limited', () => {
  it('refuses a body over 64 KiB with a 413 problem, told by Content-Length or by reading, writing nothing', async () => {
    const before = await tasks();
    await expectProblem(await post('/v1/tasks', hugeTask(64 * 1024), worker.headers), 413);
    await expectProblem(await post('/v1/tasks', streamed(128 * 1024), worker.headers), 413);
    await expectProblem(await post('/api/auth/sign-in/email', hugeTask(BIG)), 413);
    expect(await tasks()).toBe(before);
  });

  it('lets a body just under the limit through to validation', async () => {
    await expectProblem(await post('/v1/tasks', hugeTask(60 * 1024), worker.headers), 400);
  });
});

describe('every route declares who may call it', () => {
  it('lists its roles as x-roles in the OpenAPI document, and documents 403 when some role may not', async () => {
    const doc = (await stack.call('GET', '/openapi.json')).body;
    const gaps: string[] = [];
    for (const [path, operations] of Object.entries<Record<string, { 'x-roles'?: string[]; responses: object }>>(
      doc.paths,
    )) {
      // The event catalogue is the one public /v1 route, like the OpenAPI document itself.
      if (!path.startsWith('/v1/') || path === '/v1/event-schemas') continue;
      for (const [method, operation] of Object.entries(operations)) {
        const roles = operation['x-roles'];
        if (!roles?.length) gaps.push(`${method.toUpperCase()} ${path}: no x-roles`);
        else if (roles.length < 4 && !('403' in operation.responses))
          gaps.push(`${method.toUpperCase()} ${path}: no 403`);
      }
    }
    expect(gaps).toEqual([]);
  });
});
