import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type ServerType, serve } from '@ates/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { EXIT } from '../../src/base-command.ts';
import { STACK_TRACE, type Terminal, terminal } from '../identity/support.ts';

let stack: TestStack;
let term: Terminal;
/** Someone else's server: it records what reaches it. */
let stranger: Server;
let strangerUrl: string;
const received: IncomingHttpHeaders[] = [];
/** A second API process of the same installation, at another address. */
let second: ServerType;
let secondUrl: string;

const listening = (server: Server | ServerType) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
  term = await terminal(stack.apiUrl);
  stranger = createServer((request, response) => {
    received.push(request.headers);
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => stranger.listen(0, '127.0.0.1', resolve));
  strangerUrl = listening(stranger);
  const app = createApp({
    db: stack.runtime.conn.db,
    bus: stack.runtime.bus,
    analytics: stack.runtime.analytics,
    settings: stack.runtime.settings,
  });
  await new Promise<void>((resolve) => {
    second = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
  });
  secondUrl = listening(second);
  const login = await term.run(['login', '--email', stack.admin.email], { ATES_PASSWORD: stack.admin.password });
  expect(login.code, login.stderr).toBe(0);
});

afterAll(async () => {
  await new Promise((resolve) => stranger.close(resolve));
  await new Promise((resolve) => second.close(resolve));
  await term.close();
  await stack.stop();
});

describe('the stored session', { timeout: 300_000 }, () => {
  it('is sent to the API it was issued by', async () => {
    expect((await term.run(['whoami'])).code).toBe(0);
    expect((await term.run(['whoami', '--api', `${stack.apiUrl}/`])).code).toBe(0);
  });

  it('is never sent to another host, by --api or ATES_API_URL: exit code 3 and a way out', async () => {
    for (const run of [
      () => term.run(['whoami', '--api', strangerUrl]),
      () => term.run(['task', 'list'], { ATES_API_URL: strangerUrl }),
      () => term.run(['task', 'create', '--title', 'Leak', '--api', strangerUrl]),
    ]) {
      const result = await run();
      expect(result.code).toBe(EXIT.notSignedIn);
      expect(result.message).toContain(`You are logged in to ${stack.apiUrl}, not to ${strangerUrl}`);
      expect(result.message).toContain(`ates login --api ${strangerUrl}`);
      expect(result.stderr).not.toMatch(STACK_TRACE);
    }
    expect(received).toEqual([]);
  });

  it('moves to another API only with a fresh login there', async () => {
    expect((await term.run(['whoami', '--api', secondUrl])).code).toBe(EXIT.notSignedIn);
    const login = await term.run(['login', '--email', stack.admin.email, '--api', secondUrl], {
      ATES_PASSWORD: stack.admin.password,
    });
    expect(login.code, login.stderr).toBe(0);
    expect(await term.json(['whoami', '--api', secondUrl])).toMatchObject({ email: stack.admin.email });
    expect((await term.run(['whoami', '--api', stack.apiUrl])).code).toBe(EXIT.notSignedIn);
  });

  it('refuses a key or token no header can carry (2), before anything is sent, with no trace', async () => {
    for (const [variable, value] of [
      ['ATES_TOKEN', 'half-of-a-token\nthe-other-half'],
      ['ATES_TOKEN', 'two words'],
      ['ATES_API_KEY', 'clé'],
    ] as const) {
      const result = await term.run(['whoami'], { ATES_API_URL: strangerUrl, [variable]: value });
      expect(result.code).toBe(EXIT.badInput);
      expect(result.message).toContain(`${variable} holds a space, a line break or a character outside ASCII`);
      expect(result.stderr).not.toMatch(STACK_TRACE);
    }
    expect(received).toEqual([]);
  });

  it('leaves tokens given explicitly alone: ATES_TOKEN goes where it is told', async () => {
    const token = stack.admin.headers.authorization?.replace('Bearer ', '') ?? '';
    const result = await term.run(['whoami', '--json'], { ATES_API_URL: stack.apiUrl, ATES_TOKEN: token });
    expect(result.code, result.stderr).toBe(0);
  });
});
