import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@ates/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ates, atesUntil } from '../../../test/support/cli.ts';
import { messageOf } from '../identity/support.ts';
import { atesInPty, KEY } from '../pty.ts';

let home: string;
let otherHome: string;
const env = { ATES_ADMIN_EMAIL: 'root@popug.inc', ATES_ADMIN_PASSWORD: 'a-long-enough-password' };
const isRunning = (line: Record<string, unknown>) => line.msg === 'aTES is running';

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'ates-server-'));
  otherHome = await mkdtemp(join(tmpdir(), 'ates-server-other-'));
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await rm(otherHome, { recursive: true, force: true });
});

describe('ates server start', () => {
  it('runs every store, serves the API, refuses a second process on the same home and stops cleanly', async () => {
    const { child, line } = await atesUntil(['server', 'start', '--home', home, '--port', '0'], isRunning, env);
    const api = String(line.api);
    try {
      expect(await (await fetch(`${api}/health`)).json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${api}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        ready: true,
        postgres: { ok: true },
        bus: { ok: true },
        analytics: { ok: true },
      });
      const openapi = (await (await fetch(`${api}/openapi.json`)).json()) as { openapi: string; paths: object };
      expect(openapi.openapi).toBe('3.1.0');
      expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/health', '/ready', '/v1/dead-letters']));
      const docs = await fetch(`${api}/docs`);
      expect(docs.headers.get('content-type')).toContain('text/html');

      const second = await ates(['server', 'start', '--home', home, '--port', '0'], { env });
      expect(second.code).toBe(6);
      expect(second.stderr).toContain('Another aTES process');
      expect(second.stderr).not.toMatch(/\n\s+at /);

      const setup = await ates([
        'setup',
        '--home',
        home,
        '--email',
        'x@popug.inc',
        '--name',
        'X',
        '--password',
        'long-enough-pass',
      ]);
      expect(setup.code).toBe(6);
      expect(messageOf(setup.stderr)).toContain('`ates setup` needs the server stopped');

      const port = new URL(api).port;
      const clash = await ates(['server', 'start', '--home', otherHome, '--port', port, '--api-only'], {
        env: { DATABASE_URL: await createTestDatabase(inject('postgresUrl')) },
      });
      expect(clash.code).toBe(6);
      expect(messageOf(clash.stderr)).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(messageOf(clash.stderr)).toContain('--port');
      expect(clash.stderr).not.toContain('EADDRINUSE');
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    expect(existsSync(join(home, 'postgres', 'postmaster.pid'))).toBe(false);
    expect(existsSync(join(home, 'ates.lock'))).toBe(false);
  }, 240_000);

  it('reuses the data of an earlier start, also after the earlier process was killed', async () => {
    const first = await atesUntil(['server', 'start', '--home', home, '--port', '0'], isRunning, env);
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await exited;

    const { child, line } = await atesUntil(['server', 'start', '--home', home, '--port', '0'], isRunning);
    try {
      const signIn = await fetch(`${line.api}/api/auth/sign-in/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: env.ATES_ADMIN_EMAIL, password: env.ATES_ADMIN_PASSWORD }),
      });
      expect(signIn.status).toBe(200);
    } finally {
      const stopped = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      expect(await stopped).toBe(0);
    }
  });

  it('logs for people at a terminal, and stops on Ctrl-C there', async () => {
    const session = atesInPty(['server', 'start', '--home', home, '--port', '0'], { env: { LOG_LEVEL: 'info' } });
    const screen = await session.waitFor('aTES is running', 90_000);
    expect(screen).toMatch(/INFO.*aTES is running/);
    expect(screen).not.toContain('{"level"');
    session.type(KEY.ctrlC);
    expect(await session.exited).toBe(0);
  });
});
