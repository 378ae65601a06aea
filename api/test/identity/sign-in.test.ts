import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';

let stack: TestStack;

const withHeaders = (headers: Record<string, string>) => ({ headers }) as unknown as SignedIn;

const signIn = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${stack.apiUrl}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

/** A new session of its own, not yet used against the API. */
async function signInAs(email: string, password: string) {
  const response = await signIn({ email, password });
  const token = response.headers.get('set-auth-token') ?? '';
  expect(response.status).toBe(200);
  return { token: token.split('.')[0] ?? '', headers: { authorization: `Bearer ${token}` } };
}

async function expectProblem(response: Response, status: number, detail: string | RegExp) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  const body = (await response.json()) as { type: string; title: string; status: number; detail: string };
  expect(body).toMatchObject({ status, type: expect.stringMatching(/^https:\/\//), title: expect.any(String) });
  expect(body.detail).toMatch(detail);
  return body;
}

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
});

afterAll(async () => {
  await stack?.stop();
});

describe('sign-in', () => {
  it('accepts a client that sends the API’s own Origin, as a browser on its page does', async () => {
    const worker = await stack.signUp('worker');
    const body = { email: worker.email, password: worker.password };
    expect((await signIn(body, { origin: stack.apiUrl })).status).toBe(200);
  });

  it('gives a bearer token in set-auth-token (and the body) that identifies the employee', async () => {
    const worker = await stack.signUp('worker', 'Token Popug');
    const response = await signIn({ email: worker.email.toUpperCase(), password: worker.password });
    expect(response.status).toBe(200);
    const token = response.headers.get('set-auth-token');
    const body = (await response.json()) as { token: string; user: { id: string; role: string } };
    expect(body.user).toMatchObject({ id: worker.id, role: 'worker' });
    for (const bearer of [token, body.token]) {
      const me = await stack.call('GET', '/v1/me', { as: withHeaders({ authorization: `Bearer ${bearer}` }) });
      expect(me.body).toMatchObject({ id: worker.id, email: worker.email, fullName: 'Token Popug', role: 'worker' });
    }
  });

  it('also works with the session cookie it sets', async () => {
    const response = await signIn({ email: stack.admin.email, password: stack.admin.password });
    const cookie = response.headers.get('set-cookie')?.split(';')[0] ?? '';
    const me = await stack.call('GET', '/v1/me', { as: withHeaders({ cookie }) });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(stack.admin.id);
  });

  it('answers a wrong password and an unknown email alike, as problem+json', async () => {
    await expectProblem(
      await signIn({ email: stack.admin.email, password: 'not-the-password' }),
      401,
      'Invalid email or password',
    );
    await expectProblem(
      await signIn({ email: 'nobody@popug.inc', password: 'not-the-password' }),
      401,
      'Invalid email or password',
    );
  });

  it('refuses malformed JSON, missing and extra fields with 400 problem+json', async () => {
    await expectProblem(await signIn('{"email": '), 400, /malformed|json/i);
    await expectProblem(await signIn({ email: stack.admin.email }), 400, /password/);
    await expectProblem(
      await signIn({ ...stack.admin, password: stack.admin.password, role: 'admin' }),
      400,
      /unrecognized/i,
    );
  });

  it('keeps self sign-up and better-auth’s own user endpoints closed', async () => {
    for (const path of [
      '/api/auth/sign-up/email',
      '/api/auth/admin/create-user',
      '/api/auth/update-user',
      '/api/auth/delete-user',
    ]) {
      const response = await stack.call('POST', path, {
        as: stack.admin,
        body: { email: 'sneaky@popug.inc', password: 'sneaky-password', name: 'Sneaky' },
      });
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    const users = await stack.runtime.conn.db.execute(
      sql`select id from identity.user where email = 'sneaky@popug.inc'`,
    );
    expect(users).toHaveLength(0);
  });
});

describe('changing your password', () => {
  it('works through POST /v1/me/password for the signed-in employee, with the same length rule, publishing nothing', async () => {
    const worker = await stack.signUp('worker');
    const events = async () =>
      (await stack.runtime.conn.db.execute(sql`select 1 from bus.event_log where data->>'employee_id' = ${worker.id}`))
        .length;
    const before = await events();
    const direct = await stack.call('POST', '/api/auth/change-password', {
      as: worker,
      body: { currentPassword: worker.password, newPassword: 'a-brand-new-password' },
    });
    expect(direct.status).toBe(404);
    const weak = await stack.call('POST', '/v1/me/password', {
      as: worker,
      body: { currentPassword: worker.password, newPassword: 'short' },
    });
    expect(weak.status).toBe(400);
    expect(weak.headers.get('content-type')).toContain('application/problem+json');
    const changed = await stack.call('POST', '/v1/me/password', {
      as: worker,
      body: { currentPassword: worker.password, newPassword: 'a-brand-new-password' },
    });
    expect(changed.status).toBe(200);
    expect((await signIn({ email: worker.email, password: worker.password })).status).toBe(401);
    await stack.signIn(worker.email, 'a-brand-new-password');
    expect(await events()).toBe(before);
  });
});

describe('tokens', () => {
  it('stop working after sign-out, with a 401 that says so', async () => {
    const worker = await stack.signUp('worker');
    const out = await stack.call('POST', '/api/auth/sign-out', { as: worker, body: {} });
    expect(out.status).toBe(200);
    const me = await fetch(`${stack.apiUrl}/v1/me`, { headers: worker.headers });
    await expectProblem(me, 401, 'The token is unknown, expired or revoked.');
  });

  it('stop working once the session has expired', async () => {
    const worker = await stack.signUp('worker');
    const fresh = await signInAs(worker.email, worker.password);
    await stack.runtime.conn.db.execute(
      sql`update identity.session set expires_at = now() - interval '1 minute' where token = ${fresh.token}`,
    );
    await expectProblem(await fetch(`${stack.apiUrl}/v1/me`, { headers: fresh.headers }), 401, /expired or revoked/);
  });

  it('stop working at once when signed out, though the API has just accepted them', async () => {
    const worker = await stack.signUp('worker');
    expect((await stack.call('GET', '/v1/me', { as: worker })).status).toBe(200);
    const signOut = await fetch(`${stack.apiUrl}/api/auth/sign-out`, {
      method: 'POST',
      headers: { ...worker.headers, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(signOut.status).toBe(200);
    await expectProblem(await fetch(`${stack.apiUrl}/v1/me`, { headers: worker.headers }), 401, /expired or revoked/);
  });

  it('that were never issued are refused, and no credentials at all is a 401 too', async () => {
    await expectProblem(
      await fetch(`${stack.apiUrl}/v1/me`, { headers: { authorization: 'Bearer forged.token' } }),
      401,
      /unknown, expired or revoked/,
    );
    await expectProblem(await fetch(`${stack.apiUrl}/v1/me`), 401, /Sign in first/);
  });
});

describe('the OpenAPI document', () => {
  it('describes sign-in and every identity route with its problem responses', async () => {
    const doc = (await stack.call('GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/auth/sign-in/email',
        '/v1/me',
        '/v1/employees',
        '/v1/employees/{id}',
        '/v1/employees/{id}/deactivate',
        '/v1/api-keys',
        '/v1/api-keys/{id}',
      ]),
    );
    expect(doc.paths['/v1/employees'].post.responses['409'].content).toHaveProperty(['application/problem+json']);
    expect(doc.components.schemas).toHaveProperty('Employee');
  });
});
