import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';

let stack: TestStack;
let worker: SignedIn;

const withKey = (key: string) => ({ headers: { 'x-api-key': key } }) as unknown as SignedIn;

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
  worker = await stack.signUp('worker', 'Integration Owner');
});

afterAll(async () => {
  await stack?.stop();
});

describe('API keys', () => {
  it('authenticate an integration as their owner, with the owner’s role, until revoked', async () => {
    const created = await stack.call('POST', '/v1/api-keys', { as: worker, body: { name: 'jira-sync' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'jira-sync', enabled: true, expiresAt: null, lastUsedAt: null });
    expect(created.body.key).toMatch(/^ates_\w{64}$/);
    expect(created.body.key.startsWith(String(created.body.start))).toBe(true);
    const key = withKey(created.body.key);

    const me = await stack.call('GET', '/v1/me', { as: key });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: worker.id, role: 'worker', fullName: 'Integration Owner' });
    expect((await stack.call('GET', '/v1/employees', { as: key })).status).toBe(403);

    const revoked = await stack.call('DELETE', `/v1/api-keys/${created.body.id}`, { as: worker });
    expect(revoked.status).toBe(204);
    const after = await stack.call('GET', '/v1/me', { as: key });
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ title: 'Unauthorized', detail: 'The API key is unknown, expired or revoked.' });
  });

  it('of an admin can manage employees, as the admin could', async () => {
    const created = await stack.call('POST', '/v1/api-keys', { as: stack.admin, body: { name: 'hr-sync' } });
    const hired = await stack.call('POST', '/v1/employees', {
      as: withKey(created.body.key),
      body: { email: 'hired-by-key@popug.inc', fullName: 'Hired by Key', role: 'worker', password: 'hired-by-key-pw' },
    });
    expect(hired.status).toBe(201);
  });

  it('are listed for their owner only, without the key itself, with when they were last used', async () => {
    const owner = await stack.signUp('accountant');
    const other = await stack.signUp('accountant');
    const created = await stack.call('POST', '/v1/api-keys', {
      as: owner,
      body: { name: 'reports', expiresInDays: 30 },
    });
    await stack.call('POST', '/v1/api-keys', { as: other, body: { name: 'not-yours' } });
    await stack.call('GET', '/v1/me', { as: withKey(created.body.key) });

    const list = await stack.call('GET', '/v1/api-keys', { as: owner });
    expect(list.body).toEqual({
      items: [
        {
          id: created.body.id,
          name: 'reports',
          start: created.body.start,
          enabled: true,
          createdAt: created.body.createdAt,
          expiresAt: expect.stringMatching(/Z$/),
          lastUsedAt: expect.stringMatching(/Z$/),
        },
      ],
      nextCursor: null,
    });
    const days = (Date.parse(String(list.body.items[0]?.expiresAt)) - Date.parse(created.body.createdAt)) / 86_400_000;
    expect(Math.round(days)).toBe(30);
    const stored = await stack.runtime.conn.db.execute<{ key: string }>(
      sql`select key from identity.apikey where id = ${created.body.id}`,
    );
    expect(stored[0]?.key).not.toContain(created.body.key);
  });

  it('cannot be revoked by anyone but their owner: someone else’s key is not found and keeps working', async () => {
    const owner = await stack.signUp('manager');
    const created = await stack.call('POST', '/v1/api-keys', { as: owner, body: { name: 'mine' } });
    for (const id of [created.body.id, 'not-a-key-id']) {
      const attempt = await stack.call('DELETE', `/v1/api-keys/${id}`, { as: worker });
      expect(attempt.status).toBe(404);
    }
    expect((await stack.call('GET', '/v1/me', { as: withKey(created.body.key) })).status).toBe(200);
    await stack.call('DELETE', `/v1/api-keys/${created.body.id}`, { as: owner });
    expect((await stack.call('DELETE', `/v1/api-keys/${created.body.id}`, { as: owner })).status).toBe(404);
  });

  it('that were never issued are refused with 401', async () => {
    const response = await stack.call('GET', '/v1/me', { as: withKey('ates_forged') });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });

  const invalid: [string, unknown][] = [
    ['a missing name', {}],
    ['an empty name', { name: '  ' }],
    ['a name over 32 characters', { name: 'x'.repeat(33) }],
    ['an expiry over a year', { name: 'long', expiresInDays: 366 }],
    ['an extra field', { name: 'ok', permissions: { employee: ['create'] } }],
    ['malformed JSON', '{"name": '],
  ];
  it.each(invalid)('refuses %s with 400 and creates no key', async (_, body) => {
    const count = async () =>
      (await stack.runtime.conn.db.execute<{ n: number }>(sql`select count(*)::int as n from identity.apikey`))[0]?.n;
    const before = await count();
    const response = await stack.call('POST', '/v1/api-keys', { as: worker, body });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await count()).toBe(before);
  });
});
