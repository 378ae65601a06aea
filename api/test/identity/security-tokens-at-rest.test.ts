import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectPostgres, type PostgresConnection } from '@ates/db';
import { createTestDatabase } from '@ates/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { AUTH_SECRET_FILE, loadAuthSecret } from '../../src/identity/auth-secret.ts';

let stack: TestStack;

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } }) as unknown as SignedIn;

/** A new session of its own: its signed token, and the row the database keeps of it. */
async function freshSession(employee: SignedIn) {
  const response = await fetch(`${stack.apiUrl}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: employee.email, password: employee.password }),
  });
  const signed = response.headers.get('set-auth-token') ?? '';
  const body = (await response.json()) as { token: string };
  const [row] = await stack.runtime.conn.sql<{ token: string }[]>`
    select token from identity.session where user_id = ${employee.id} order by created_at desc limit 1`;
  return { signed, inBody: body.token, stored: row?.token ?? '' };
}

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
});

afterAll(async () => {
  await stack?.stop();
});

describe('a copy of the session table', () => {
  it('signs no one in: the stored token is refused as a bearer token, the signed one works', async () => {
    const { signed, inBody, stored } = await freshSession(stack.admin);
    expect(stored).not.toBe('');
    expect((await stack.call('GET', '/v1/employees', { as: bearer(stored) })).status).toBe(401);
    expect((await stack.call('GET', '/v1/employees', { as: bearer(signed) })).status).toBe(200);
    expect(inBody).toBe(signed);
  });

  it('nor does it with the cookie: an unsigned session cookie is refused', async () => {
    const { stored } = await freshSession(stack.admin);
    const me = await stack.call('GET', '/v1/me', {
      as: { headers: { cookie: `better-auth.session_token=${stored}` } } as unknown as SignedIn,
    });
    expect(me.status).toBe(401);
  });
});

describe('the auth secret', () => {
  it('is in a file of the home only its owner reads, and in no database table', async () => {
    const { mode } = await stat(join(stack.home, AUTH_SECRET_FILE));
    expect(mode & 0o777).toBe(0o600);
    expect((await readFile(join(stack.home, AUTH_SECRET_FILE), 'utf8')).trim().length).toBeGreaterThanOrEqual(32);
    const [table] = await stack.runtime.conn.sql`select to_regclass('identity.secret') as found`;
    expect(table?.found).toBeNull();
  });

  describe('when loaded', () => {
    let conn: PostgresConnection;
    const homes: string[] = [];

    beforeAll(async () => {
      conn = connectPostgres(await createTestDatabase(inject('postgresUrl')));
    });

    afterAll(async () => {
      await conn?.close();
      for (const home of homes) await rm(home, { recursive: true, force: true });
    });

    const freshHome = async () => {
      homes.push(await mkdtemp(join(tmpdir(), 'ates-secret-')));
      return homes.at(-1) ?? '';
    };

    it('comes from ATES_AUTH_SECRET when set, writing no file, and refuses a short one', async () => {
      const dir = await freshHome();
      const secret = 'an-operator-secret-of-forty-characters-!';
      expect(await loadAuthSecret(dir, conn.db, { ATES_AUTH_SECRET: secret })).toBe(secret);
      await expect(stat(join(dir, AUTH_SECRET_FILE))).rejects.toThrow(/ENOENT/);
      await expect(loadAuthSecret(dir, conn.db, { ATES_AUTH_SECRET: 'short' })).rejects.toThrow(/at least 32/);
    });

    it('is made once on a new installation and then read back', async () => {
      const dir = await freshHome();
      const first = await loadAuthSecret(dir, conn.db, {});
      expect(await loadAuthSecret(dir, conn.db, {})).toBe(first);
      expect((await stat(join(dir, AUTH_SECRET_FILE))).mode & 0o777).toBe(0o600);
    });

    it('moves an existing installation’s secret out of its database row, the same secret, once', async () => {
      const dir = await freshHome();
      const old = 'the-secret-an-older-installation-kept-in-its-database';
      await conn.sql`create table identity.secret (name text primary key, value text not null)`;
      await conn.sql`insert into identity.secret (name, value) values ('better-auth', ${old})`;
      expect(await loadAuthSecret(dir, conn.db, {})).toBe(old);
      await conn.sql`update identity.secret set value = 'changed-in-the-database-after-the-move!!'`;
      expect(await loadAuthSecret(dir, conn.db, {})).toBe(old);
      await conn.sql`drop table identity.secret`;
    });

    it('refuses a file others may read', async () => {
      const dir = await freshHome();
      await writeFile(join(dir, AUTH_SECRET_FILE), 'x'.repeat(40));
      await chmod(join(dir, AUTH_SECRET_FILE), 0o644);
      await expect(loadAuthSecret(dir, conn.db, {})).rejects.toThrow(/chmod 600/);
    });
  });
});

describe('a session', () => {
  it('ends at its absolute lifetime, 30 days, however recently it was used', async () => {
    const worker = await stack.signUp('worker');
    const { signed, stored } = await freshSession(worker);
    await stack.runtime.conn.sql`
      update identity.session set created_at = now() - interval '30 days 1 minute', updated_at = now(),
        expires_at = now() + interval '6 days'
      where token = ${stored}`;
    const me = await stack.call('GET', '/v1/me', { as: bearer(signed) });
    expect(me.status).toBe(401);
    expect(me.body.detail).toMatch(/maximum age/);
  });

  it('lasts until then', async () => {
    const worker = await stack.signUp('worker');
    const { signed, stored } = await freshSession(worker);
    await stack.runtime.conn.sql`
      update identity.session set created_at = now() - interval '29 days' where token = ${stored}`;
    expect((await stack.call('GET', '/v1/me', { as: bearer(signed) })).status).toBe(200);
  });
});
