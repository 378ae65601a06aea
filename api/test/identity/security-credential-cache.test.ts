import { connectPostgres, type PostgresConnection } from '@ates/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { type Credential, CredentialCache } from '../../src/identity/credential-cache.ts';

let stack: TestStack;
let listener: PostgresConnection;
const notifications: string[] = [];

const as = (headers: Record<string, string>) => ({ headers }) as unknown as SignedIn;

async function cookieOf(employee: SignedIn): Promise<string> {
  const response = await fetch(`${stack.apiUrl}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: employee.email, password: employee.password }),
  });
  return response.headers.get('set-cookie')?.split(';')[0] ?? '';
}

/** Whether an identity change was announced to the API processes while `action` ran. */
async function announces(action: () => Promise<unknown>): Promise<boolean> {
  const before = notifications.length;
  await action();
  await new Promise((resolve) => setTimeout(resolve, 300));
  return notifications.length > before;
}

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
  listener = connectPostgres(stack.runtime.databaseUrl);
  await listener.sql.listen('ates_identity_changed', (reason) => notifications.push(reason));
});

afterAll(async () => {
  await listener?.close();
  await stack?.stop();
});

describe('only the credential presented is verified, and only it is remembered', () => {
  it('refuses a made-up bearer token that comes with the admin’s cookie, then and afterwards', async () => {
    const cookie = await cookieOf(stack.admin);
    expect((await stack.call('GET', '/v1/me', { as: as({ cookie }) })).status).toBe(200);
    const forged = { authorization: 'Bearer made-up-token' };
    const withCookie = await stack.call('GET', '/v1/employees', { as: as({ ...forged, cookie }) });
    expect(withCookie.status).toBe(401);
    expect(withCookie.headers.get('content-type')).toContain('application/problem+json');
    expect((await stack.call('GET', '/v1/employees', { as: as(forged) })).status).toBe(401);
  });

  it('never falls back from a bad Authorization header to the cookie', async () => {
    const cookie = await cookieOf(stack.admin);
    for (const authorization of ['Basic YWRtaW46YWRtaW4=', 'Bearer', `Bearer ${'x'.repeat(40)}.${'y'.repeat(43)}`]) {
      const response = await stack.call('GET', '/v1/me', { as: as({ authorization, cookie }) });
      expect(response.status, authorization).toBe(401);
    }
  });

  it('keeps an API key and a bearer token apart: each is its own credential', async () => {
    const worker = await stack.signUp('worker');
    const key = await stack.call('POST', '/v1/api-keys', { as: worker, body: { name: 'cache' } });
    expect((await stack.call('GET', '/v1/me', { as: as({ 'x-api-key': key.body.key }) })).body.id).toBe(worker.id);
    const token = (worker.headers.authorization ?? '').slice('Bearer '.length);
    expect((await stack.call('GET', '/v1/me', { as: as({ 'x-api-key': token }) })).status).toBe(401);
  });
});

describe('the cache is emptied on real identity changes only', () => {
  it('not by an anonymous sign-out, nor by a sign-out with a made-up token', async () => {
    expect(await announces(() => stack.call('POST', '/api/auth/sign-out', { body: {} }))).toBe(false);
    const forged = as({ authorization: 'Bearer made-up-token' });
    expect(await announces(() => stack.call('POST', '/api/auth/sign-out', { as: forged, body: {} }))).toBe(false);
  });

  it('by the sign-out of a real session, which stops working at once', async () => {
    const worker = await stack.signUp('worker');
    expect((await stack.call('GET', '/v1/me', { as: worker })).status).toBe(200);
    expect(await announces(() => stack.call('POST', '/api/auth/sign-out', { as: worker, body: {} }))).toBe(true);
    expect((await stack.call('GET', '/v1/me', { as: worker })).status).toBe(401);
  });

  it('by a role change, which the next request sees', async () => {
    const worker = await stack.signUp('worker');
    expect((await stack.call('POST', '/v1/tasks/reassign', { as: worker })).status).toBe(403);
    const promote = () =>
      stack.call('PATCH', `/v1/employees/${worker.id}`, { as: stack.admin, body: { role: 'manager' } });
    expect(await announces(promote)).toBe(true);
    expect((await stack.call('GET', '/v1/me', { as: worker })).body.role).toBe('manager');
  });

  it('by revoking an API key, which stops working at once', async () => {
    const worker = await stack.signUp('worker');
    const key = await stack.call('POST', '/v1/api-keys', { as: worker, body: { name: 'to revoke' } });
    const byKey = as({ 'x-api-key': key.body.key });
    expect((await stack.call('GET', '/v1/me', { as: byKey })).status).toBe(200);
    const revoke = () => stack.call('DELETE', `/v1/api-keys/${key.body.id}`, { as: worker });
    expect(await announces(revoke)).toBe(true);
    expect((await stack.call('GET', '/v1/me', { as: byKey })).status).toBe(401);
  });

  it('not by reading, nor by a refused change', async () => {
    const worker = await stack.signUp('worker');
    expect(await announces(() => stack.call('GET', '/v1/employees', { as: stack.admin }))).toBe(false);
    const refused = () => stack.call('PATCH', `/v1/employees/${worker.id}`, { as: worker, body: { role: 'admin' } });
    expect(await announces(refused)).toBe(false);
  });
});

describe('a lookup that began before an invalidation', () => {
  const ada = { id: 'ada', role: 'admin', email: 'ada@popug.inc', fullName: 'Ada Popug' } as const;
  const token: Credential = { kind: 'bearer', value: 'ada-token' };

  it('cannot store what it read, however late it answers', () => {
    const cache = new CredentialCache(stack.runtime.conn.db);
    const began = cache.generation;
    cache.forget();
    cache.set(token, ada, began);
    expect(cache.get(token)).toBeUndefined();
    cache.set(token, ada, cache.generation);
    expect(cache.get(token)).toEqual(ada);
  });

  it('cannot store it when another process announced the change meanwhile', async () => {
    const cache = new CredentialCache(stack.runtime.conn.db);
    void cache.generation;
    await new Promise((resolve) => setTimeout(resolve, 200));
    const began = cache.generation;
    await new CredentialCache(listener.db).forgetEverywhere('employee ada deactivated');
    const deadline = Date.now() + 5_000;
    while (cache.generation === began && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    cache.set(token, ada, began);
    expect(cache.get(token)).toBeUndefined();
  });
});
