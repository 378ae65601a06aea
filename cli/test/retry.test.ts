import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ates } from '../../test/support/cli.ts';
import { type SignedIn, startTestStack, type TestStack } from '../../test/support/stack.ts';

let stack: TestStack;
let manager: SignedIn;
let config: string;
let proxy: Server;
let proxyUrl: string;
/** What reached the proxy: each request's method, path and Idempotency-Key, and whether it was answered. */
const seen: { method: string; path: string; key: string | undefined; answered: boolean }[] = [];
/** How many more requests the proxy forwards and then cuts off before the client has an answer. */
let dropsLeft = 0;

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A proxy in front of the real API that, when told to, lets a request through and then drops the connection. */
function startProxy(): Promise<void> {
  proxy = createServer(async (request, response) => {
    const body = await bodyOf(request);
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name)),
    ) as Record<string, string>;
    const upstream = await fetch(`${stack.apiUrl}${request.url}`, {
      method: request.method,
      headers,
      body: body.length > 0 ? body : undefined,
    });
    const text = await upstream.text();
    const key = request.headers['idempotency-key'] as string | undefined;
    const drop = request.method !== 'GET' && dropsLeft > 0;
    seen.push({ method: request.method ?? '', path: request.url ?? '', key, answered: !drop });
    if (drop) {
      dropsLeft--;
      request.socket.destroy();
      return;
    }
    response.writeHead(upstream.status, Object.fromEntries(upstream.headers));
    response.end(text);
  });
  return new Promise((resolve) =>
    proxy.listen(0, '127.0.0.1', () => {
      proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      resolve();
    }),
  );
}

const tasksTitled = async (title: string) =>
  Number(
    (
      await stack.runtime.conn.db.execute<{ n: number }>(
        sql`select count(*)::int as n from tasks.task where title = ${title}`,
      )
    )[0]?.n,
  );

function atesThroughProxy(args: string[]) {
  const token = manager.headers.authorization?.replace('Bearer ', '') ?? '';
  return ates(args, { env: { ATES_API_URL: proxyUrl, ATES_TOKEN: token, XDG_CONFIG_HOME: config } });
}

beforeAll(async () => {
  stack = await startTestStack();
  manager = await stack.signUp('manager');
  await stack.signUp('worker');
  await stack.settle();
  config = await mkdtemp(join(tmpdir(), 'ates-retry-'));
  await startProxy();
});

afterAll(async () => {
  await new Promise((resolve) => proxy.close(resolve));
  await stack.stop();
  await rm(config, { recursive: true, force: true });
});

describe('a change the CLI sends', () => {
  it('carries a fresh Idempotency-Key each time it runs', async () => {
    seen.length = 0;
    for (let i = 0; i < 2; i++) {
      expect((await atesThroughProxy(['task', 'create', '--title', 'Fresh key each time'])).code).toBe(0);
    }
    const keys = seen.filter((r) => r.method === 'POST').map((r) => r.key);
    expect(keys).toHaveLength(2);
    expect(keys.every((key) => key && /^[0-9a-f-]{36}$/.test(key))).toBe(true);
    expect(new Set(keys).size).toBe(2);
    expect(await tasksTitled('Fresh key each time')).toBe(2);
  });

  it('is sent once more, with the same key, when the connection drops before the answer, and happens once', async () => {
    seen.length = 0;
    dropsLeft = 1;
    const run = await atesThroughProxy(['task', 'create', '--title', 'Cut off once', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const posts = seen.filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.answered)).toEqual([false, true]);
    expect(posts[0]?.key).toBeTruthy();
    expect(posts[1]?.key).toBe(posts[0]?.key);
    expect(await tasksTitled('Cut off once')).toBe(1);
    const [task] = await stack.runtime.conn.db.execute<{ id: string }>(
      sql`select id::text from tasks.task where title = 'Cut off once'`,
    );
    expect(JSON.parse(run.stdout).id).toBe(task?.id);
  });

  it('is retried only once: a second drop is "cannot reach the API", exit 7, and still one effect', async () => {
    seen.length = 0;
    dropsLeft = 2;
    const run = await atesThroughProxy(['task', 'create', '--title', 'Cut off twice']);
    expect(run.code).toBe(7);
    expect(run.stderr).toContain('Cannot reach the aTES API');
    expect(seen.filter((r) => r.method === 'POST')).toHaveLength(2);
    expect(await tasksTitled('Cut off twice')).toBe(1);
  });
});
