import { connectPostgres } from '@ates/db';
import { EventBus } from '@ates/db/bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { createApp } from '../../src/app.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
});

afterAll(async () => {
  await stack.stop();
});

describe('GET /ready', () => {
  it('says which stores are down and nothing of why: no hosts, users or driver messages', async () => {
    const wrongPassword = new URL(stack.runtime.databaseUrl);
    wrongPassword.password = 'not-the-password';
    const refused = connectPostgres(wrongPassword.toString(), { max: 1 });
    const refusedBus = new EventBus(wrongPassword.toString(), refused.db);
    try {
      const app = createApp({
        db: refused.db,
        bus: refusedBus,
        analytics: stack.runtime.analytics,
        settings: stack.runtime.settings,
      });
      const response = await app.request('/ready');
      expect(response.status).toBe(503);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({
        ready: false,
        postgres: { ok: false },
        bus: { ok: false },
        analytics: { ok: true },
      });
      for (const leak of ['password', 'authentication', 'ates', '127.0.0.1', 'detail']) {
        expect(text).not.toContain(leak);
      }
    } finally {
      await refused.close();
    }
  });

  it('answers 200 with every store up, in the same shape', async () => {
    const response = await stack.call('GET', '/ready');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ready: true, postgres: { ok: true }, bus: { ok: true }, analytics: { ok: true } });
  });
});
