import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { STACK_TRACE, type Terminal, terminal } from './support.ts';

let stack: TestStack;
let term: Terminal;

const credentialsFile = () => join(term.configHome, 'ates', 'credentials.json');
const storedToken = async () => JSON.parse(await readFile(credentialsFile(), 'utf8')).token as string;
const login = (email: string, password: string) => term.run(['login', '--email', email], { ATES_PASSWORD: password });

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
  term = await terminal(stack.apiUrl);
});

afterAll(async () => {
  await term?.close();
  await stack?.stop();
});

describe('ates login, whoami and logout', () => {
  it('says you are not logged in before you are', async () => {
    const result = await term.run(['whoami']);
    expect(result.code).toBe(3);
    expect(result.message).toContain('You are not logged in: run `ates login`');
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });

  it('refuses a wrong password clearly and keeps nothing', async () => {
    const result = await login(stack.admin.email, 'not-the-password');
    expect(result.code).toBe(3);
    expect(result.message).toContain('Invalid email or password');
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(existsSync(credentialsFile())).toBe(false);
  });

  it('asks for what is missing only at a terminal, and says which flag to pass elsewhere', async () => {
    const result = await term.run(['login'], { ATES_PASSWORD: 'whatever-password' });
    expect(result.code).toBe(2);
    expect(result.message).toContain('Missing --email');
  });

  it('logs in with flags and environment, keeping the session readable by you only', async () => {
    const result = await login(stack.admin.email, stack.admin.password);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Logged in to ${stack.apiUrl} as First Admin <${stack.admin.email}>, admin.`);
    expect((await stat(credentialsFile())).mode & 0o777).toBe(0o600);
    expect((await stat(dirname(credentialsFile()))).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(await readFile(credentialsFile(), 'utf8'));
    expect(stored).toEqual({ apiUrl: stack.apiUrl, token: expect.any(String), email: stack.admin.email });

    const me = await term.json(['whoami']);
    expect(me).toMatchObject({ id: stack.admin.id, email: stack.admin.email, role: 'admin' });
  });

  it('prints parseable JSON with --json', async () => {
    const result = await term.json(['login', '--email', stack.admin.email], { ATES_PASSWORD: stack.admin.password });
    expect(result).toMatchObject({ apiUrl: stack.apiUrl, employee: { id: stack.admin.id, role: 'admin' } });
  });

  it('tells you to log in again when the session was revoked elsewhere', async () => {
    await login(stack.admin.email, stack.admin.password);
    const token = await storedToken();
    await fetch(`${stack.apiUrl}/api/auth/sign-out`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const result = await term.run(['whoami']);
    expect(result.code).toBe(3);
    expect(result.message).toContain('log in again with `ates login`');
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });

  it('logs out: the session ends on the server too and is forgotten here', async () => {
    await login(stack.admin.email, stack.admin.password);
    const token = await storedToken();
    const result = await term.run(['logout']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Logged out of ${stack.apiUrl}.`);
    expect(existsSync(credentialsFile())).toBe(false);
    const me = await fetch(`${stack.apiUrl}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(401);
    expect((await term.run(['logout'])).stdout).toContain('You are not logged in.');
  });

  it('refuses a deactivated employee with a clear message', async () => {
    const worker = await stack.signUp('worker');
    await stack.call('POST', `/v1/employees/${worker.id}/deactivate`, { as: stack.admin });
    const result = await login(worker.email, worker.password);
    expect(result.code).toBe(4);
    expect(result.message).toContain('This employee has been deactivated.');
  });
});
