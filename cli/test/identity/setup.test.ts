import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectPostgres } from '@ates/db';
import { createTestDatabase } from '@ates/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ates, atesUntil } from '../../../test/support/cli.ts';

let home: string;

const setup = (databaseUrl: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  ates(['setup', '--home', home, ...args], { env: { DATABASE_URL: databaseUrl, ...env } });

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'ates-setup-'));
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('ates setup', () => {
  it('creates the first admin once, from flags and environment, with its Employee.Created event', async () => {
    const databaseUrl = await createTestDatabase(inject('postgresUrl'));
    const env = { ATES_ADMIN_EMAIL: 'Root@Popug.inc', ATES_ADMIN_PASSWORD: 'root-password-123' };
    const first = await setup(databaseUrl, ['--name', 'Root Popug', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      created: true,
      admin: { email: 'root@popug.inc', fullName: 'Root Popug' },
    });

    const second = await setup(databaseUrl, ['--json'], { ...env, ATES_ADMIN_EMAIL: 'other@popug.inc' });
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({ home, created: false });

    const conn = connectPostgres(databaseUrl, { max: 1 });
    try {
      expect(await conn.sql`select email, role from identity.user`).toEqual([
        { email: 'root@popug.inc', role: 'admin' },
      ]);
      expect(await conn.sql`select event_name from bus.event_log`).toEqual([{ event_name: 'Employee.Created' }]);
    } finally {
      await conn.close();
    }
  });

  it('needs a terminal to ask, and refuses a weak password, creating nobody', async () => {
    const databaseUrl = await createTestDatabase(inject('postgresUrl'));
    const unasked = await setup(databaseUrl, ['--email', 'root@popug.inc', '--name', 'Root']);
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toContain('Missing --password');
    const weak = await setup(databaseUrl, ['--email', 'root@popug.inc', '--name', 'Root', '--password', 'short']);
    expect(weak.code).toBe(2);
    expect(weak.stderr.replaceAll(/\s*›\s*/g, ' ')).toContain('password must be at least 10 characters');

    const conn = connectPostgres(databaseUrl, { max: 1 });
    try {
      expect(await conn.sql`select id from identity.user`).toHaveLength(0);
    } finally {
      await conn.close();
    }
  });
});

describe('ates server start on an empty installation', () => {
  it('creates the first admin from ATES_ADMIN_EMAIL and ATES_ADMIN_PASSWORD, who can then log in', async () => {
    const databaseUrl = await createTestDatabase(inject('postgresUrl'));
    const env = {
      DATABASE_URL: databaseUrl,
      ATES_ADMIN_EMAIL: 'boss@popug.inc',
      ATES_ADMIN_PASSWORD: 'boss-password-123',
    };
    const { child, line } = await atesUntil(
      ['server', 'start', '--home', home, '--port', '0', '--api-only'],
      (logged) => logged.msg === 'aTES is running',
      env,
    );
    const configHome = await mkdtemp(join(tmpdir(), 'ates-xdg-'));
    try {
      const login = await ates(['login', '--email', 'boss@popug.inc', '--json'], {
        env: { XDG_CONFIG_HOME: configHome, ATES_API_URL: String(line.api), ATES_PASSWORD: 'boss-password-123' },
      });
      expect(login.code, login.stderr).toBe(0);
      expect(JSON.parse(login.stdout).employee).toMatchObject({
        email: 'boss@popug.inc',
        fullName: 'Administrator',
        role: 'admin',
      });
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await rm(configHome, { recursive: true, force: true });
    }
  });

  it('refuses half a first admin or a weak password with a clear message', async () => {
    const databaseUrl = await createTestDatabase(inject('postgresUrl'));
    const half = await ates(['server', 'start', '--home', home, '--port', '0'], {
      env: { DATABASE_URL: databaseUrl, ATES_ADMIN_EMAIL: 'boss@popug.inc', ATES_ADMIN_PASSWORD: '' },
    });
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('Set both ATES_ADMIN_EMAIL and ATES_ADMIN_PASSWORD, or neither.');
    const weak = await ates(['server', 'start', '--home', home, '--port', '0'], {
      env: { DATABASE_URL: databaseUrl, ATES_ADMIN_EMAIL: 'boss@popug.inc', ATES_ADMIN_PASSWORD: 'weak' },
    });
    expect(weak.code).toBe(2);
    expect(weak.stderr.replaceAll(/\s*›\s*/g, ' ')).toContain('password must be at least 10 characters');
    expect(weak.stderr).not.toMatch(/\n\s+at /);
  });
});
