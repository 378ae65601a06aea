import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies field by field and assert on them
type Json = any;

let stack: TestStack;

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** Signs in without asking /v1/me, which an employee who must change their password cannot. */
async function signIn(email: string, password: string) {
  const response = await fetch(`${stack.apiUrl}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const body = (await response.json()) as Json;
  return { status: response.status, body, as: bearer(response.headers.get('set-auth-token') ?? '') };
}

const change = (as: { headers: Record<string, string> } | undefined, body: unknown) =>
  stack.call('POST', '/v1/me/password', { as, body });

const reset = (as: { headers: Record<string, string> } | undefined, id: string) =>
  stack.call('POST', `/v1/employees/${id}/reset-password`, { as });

async function apiKeyOf(employee: SignedIn) {
  const { body } = await stack.call('POST', '/v1/api-keys', { as: employee, body: { name: 'script' } });
  return { headers: { 'x-api-key': body.key as string } };
}

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
});

afterAll(async () => {
  await stack?.stop();
});

describe('POST /v1/me/password', () => {
  it('checks the current password, ends every session, answers a new token, and the old password stops working', async () => {
    const worker = await stack.signUp('worker');
    const other = await stack.signIn(worker.email, worker.password);

    const wrong = await change(worker, { currentPassword: 'not-my-password', newPassword: 'a-brand-new-password' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.detail).toBe('currentPassword: that is not your current password.');
    expect((await signIn(worker.email, worker.password)).status).toBe(200);

    const changed = await change(worker, { currentPassword: worker.password, newPassword: 'a-brand-new-password' });
    expect(changed.status).toBe(200);
    expect(changed.body.token).toEqual(expect.any(String));

    expect((await signIn(worker.email, worker.password)).status).toBe(401);
    expect((await signIn(worker.email, 'a-brand-new-password')).status).toBe(200);
    expect((await stack.call('GET', '/v1/me', { as: other })).status).toBe(401);
    expect((await stack.call('GET', '/v1/me', { as: worker })).status).toBe(401);
    const me = await stack.call('GET', '/v1/me', { as: bearer(changed.body.token) });
    expect(me.body.id).toBe(worker.id);
  });

  it('refuses bad input with a 400 and changes nothing', async () => {
    const worker = await stack.signUp('worker');
    const bodies: unknown[] = [
      {},
      { currentPassword: worker.password },
      { currentPassword: worker.password, newPassword: 'short' },
      { currentPassword: worker.password, newPassword: 12_345_678_901 },
      { currentPassword: worker.password, newPassword: 'x'.repeat(129) },
      { currentPassword: worker.password, newPassword: worker.password },
      { currentPassword: worker.password, newPassword: 'a-brand-new-password', revokeOtherSessions: false },
      'not json',
    ];
    for (const body of bodies) {
      const response = await change(worker, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await stack.call('GET', '/v1/me', { as: worker })).status).toBe(200);
    expect((await signIn(worker.email, worker.password)).status).toBe(200);
  });

  it('needs a signed-in session: nobody is a 401, an API key a 403', async () => {
    const worker = await stack.signUp('worker');
    const body = { currentPassword: worker.password, newPassword: 'a-brand-new-password' };
    expect((await change(undefined, body)).status).toBe(401);
    const byKey = await change(await apiKeyOf(worker), body);
    expect(byKey.status).toBe(403);
    expect(byKey.body.detail).toMatch(/not with an API key/);
    expect((await signIn(worker.email, worker.password)).status).toBe(200);
  });
});

describe('POST /v1/employees/:id/reset-password', () => {
  it('is for admins signed in: other roles get 403, an API key 403, nobody 401', async () => {
    const target = await stack.signUp('worker');
    for (const role of ['manager', 'accountant', 'worker'] as const) {
      expect((await reset(await stack.signUp(role), target.id)).status, role).toBe(403);
    }
    expect((await reset(await apiKeyOf(stack.admin), target.id)).status).toBe(403);
    expect((await reset(undefined, target.id)).status).toBe(401);
    expect((await stack.call('GET', '/v1/me', { as: target })).status).toBe(200);
  });

  it('refuses an unknown employee, yourself and a deactivated employee', async () => {
    expect((await reset(stack.admin, randomUUID())).status).toBe(404);
    expect((await reset(stack.admin, 'not-an-id')).status).toBe(404);
    const self = await reset(stack.admin, stack.admin.id);
    expect(self.status).toBe(409);
    expect(self.body.detail).toMatch(/ates password change/);
    const gone = await stack.signUp('worker');
    await stack.call('POST', `/v1/employees/${gone.id}/deactivate`, { as: stack.admin });
    expect((await reset(stack.admin, gone.id)).status).toBe(409);
  });

  it('ends their sessions and forces a change of the one-time password before anything else', async () => {
    const worker = await stack.signUp('worker');
    const key = await apiKeyOf(worker);
    const done = await reset(stack.admin, worker.id);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id: worker.id, email: worker.email, active: true });
    const oneTime: string = done.body.oneTimePassword;
    expect(oneTime.length).toBeGreaterThanOrEqual(20);

    expect((await stack.call('GET', '/v1/me', { as: worker })).status).toBe(401);
    expect((await signIn(worker.email, worker.password)).status).toBe(401);
    const signedIn = await signIn(worker.email, oneTime);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.mustChangePassword).toBe(true);

    for (const [method, path, as] of [
      ['GET', '/v1/me', signedIn.as],
      ['GET', '/v1/tasks', signedIn.as],
      ['POST', '/v1/tasks', signedIn.as],
      ['GET', '/v1/me', key],
    ] as const) {
      const response = await stack.call(method, path, {
        as,
        body: method === 'POST' ? {} : undefined,
      });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.body).toMatchObject({ code: 'password-change-required' });
      expect(response.body.detail).toMatch(/change it before anything else/);
    }

    const changed = await change(signedIn.as, { currentPassword: oneTime, newPassword: 'my-own-new-password' });
    expect(changed.status).toBe(200);
    const me = await stack.call('GET', '/v1/me', { as: bearer(changed.body.token) });
    expect(me.status).toBe(200);
    expect((await stack.call('GET', '/v1/me', { as: key })).status).toBe(200);
    expect((await signIn(worker.email, oneTime)).status).toBe(401);
    expect((await signIn(worker.email, 'my-own-new-password')).body.user.mustChangePassword).toBe(false);
  });
});
