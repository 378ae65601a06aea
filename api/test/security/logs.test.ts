import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { connectPostgres, createLogger } from '@ates/db';
import { createTestDatabase } from '@ates/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { atesUntil } from '../../../test/support/cli.ts';

const ADMIN = { email: 'root@popug.inc', password: 'the-admin-password-1' };
const WORKER_PASSWORD = 'the-worker-password-2';

let home: string;
let databaseUrl: string;
let server: Awaited<ReturnType<typeof atesUntil>>;
let api: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'ates-logs-'));
  databaseUrl = await createTestDatabase(inject('postgresUrl'));
  server = await atesUntil(['server', 'start', '--home', home, '--port', '0'], (l) => l.msg === 'aTES is running', {
    DATABASE_URL: databaseUrl,
    ATES_ADMIN_EMAIL: ADMIN.email,
    ATES_ADMIN_PASSWORD: ADMIN.password,
  });
  api = String(server.line.api);
}, 300_000);

afterAll(async () => {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
  await rm(home, { recursive: true, force: true });
});

async function signIn(): Promise<string> {
  const response = await fetch(`${api}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  return response.headers.get('set-auth-token') ?? '';
}

describe('the server log', { timeout: 300_000 }, () => {
  it('keeps an unexpected error without its query parameters, the token or any password', async () => {
    const token = await signIn();
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const hired = await fetch(`${api}/v1/employees`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ email: 'kesha@popug.inc', fullName: 'Kesha', role: 'worker', password: WORKER_PASSWORD }),
    });
    expect(hired.status).toBe(201);

    const superuser = connectPostgres(databaseUrl, { max: 1 });
    const asked = randomUUID();
    try {
      await superuser.db.execute('alter table tasks.task rename to task_elsewhere');
      const failed = await fetch(`${api}/v1/tasks?assignee=${asked}&status=open`, { headers });
      expect(failed.status).toBe(500);
      expect(await failed.text()).not.toContain(asked);
    } finally {
      await superuser.db.execute('alter table tasks.task_elsewhere rename to task');
      await superuser.close();
    }

    const log = server.output();
    const line = log.split('\n').find((l) => l.includes('unhandled error')) ?? '';
    expect(JSON.parse(line)).toMatchObject({ path: '/v1/tasks', err: { type: 'DrizzleQueryError' } });
    expect(line).toContain('task');
    for (const secret of [asked, token, ADMIN.password, WORKER_PASSWORD, 'params:', 'status=open']) {
      expect(log).not.toContain(secret);
    }
  });
});

describe('every logger', () => {
  it('redacts credentials wherever they sit in a log object', () => {
    let written = '';
    const stream = new Writable({
      write(chunk, _encoding, done) {
        written += chunk;
        done();
      },
    });
    const log = createLogger(stream);
    log.level = 'info';
    log.info(
      {
        password: 'p-top',
        req: { headers: { authorization: 'Bearer t-1', cookie: 'c-1', 'x-api-key': 'k-1' } },
        body: { user: { password: 'p-deep', token: 't-deep' } },
        secret: 's-1',
      },
      'a request',
    );
    for (const value of ['p-top', 't-1', 'c-1', 'k-1', 'p-deep', 't-deep', 's-1']) expect(written).not.toContain(value);
    expect(JSON.parse(written)).toMatchObject({ req: { headers: { authorization: '[redacted]' } }, msg: 'a request' });
  });
});
