import { logger } from '@ates/db';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';

const PUBLIC_URL = 'https://ates.popug.test';
let stack: TestStack;
let cookie: string;
const warnings: string[] = [];

const as = (headers: Record<string, string>) => ({ headers }) as unknown as SignedIn;

function signIn(headers: Record<string, string> = {}) {
  return fetch(`${stack.apiUrl}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ email: stack.admin.email, password: stack.admin.password }),
  });
}

beforeAll(async () => {
  vi.spyOn(logger, 'warn').mockImplementation(((...args: unknown[]) => {
    warnings.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
  }) as typeof logger.warn);
  process.env.ATES_PUBLIC_URL = `${PUBLIC_URL}/some/path`;
  try {
    stack = await startTestStack({ workers: false });
  } finally {
    delete process.env.ATES_PUBLIC_URL;
  }
  cookie = (await signIn()).headers.get('set-cookie')?.split(';')[0] ?? '';
});

afterAll(async () => {
  vi.restoreAllMocks();
  await stack?.stop();
});

describe('ATES_PUBLIC_URL', () => {
  it('is better-auth’s base URL: no warning that it is not set', () => {
    expect(stack.runtime.settings.publicUrl).toBe(PUBLIC_URL);
    expect(warnings.filter((warning) => /base ?url/i.test(warning))).toEqual([]);
  });

  it('is the origin better-auth trusts, whatever Host the request came in under', async () => {
    expect((await signIn({ origin: PUBLIC_URL, cookie })).status).toBe(200);
    expect((await signIn({ origin: 'https://evil.example', cookie })).status).toBe(403);
  });
});

const createKey = (headers: Record<string, string>) =>
  stack.call('POST', '/v1/api-keys', { as: as(headers), body: { name: 'csrf' } });

describe('a state-changing /v1 request with the session cookie', () => {
  it('is refused with a 403 problem without an Origin, or from another origin, writing nothing', async () => {
    const before = (await stack.call('GET', '/v1/api-keys', { as: stack.admin })).body.items.length;
    for (const origin of [undefined, 'https://evil.example', stack.apiUrl, 'null']) {
      const response = await createKey(origin === undefined ? { cookie } : { cookie, origin });
      expect(response.status, `Origin: ${origin}`).toBe(403);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await stack.call('GET', '/v1/api-keys', { as: stack.admin })).body.items.length).toBe(before);
  });

  it('goes through from the public URL’s origin', async () => {
    expect((await createKey({ cookie, origin: PUBLIC_URL })).status).toBe(201);
  });

  it('is not asked for when the request only reads', async () => {
    expect((await stack.call('GET', '/v1/me', { as: as({ cookie }) })).status).toBe(200);
  });
});

describe('bearer tokens and API keys', () => {
  it('need no Origin, and any Origin does them no harm', async () => {
    const key = await stack.call('POST', '/v1/api-keys', { as: stack.admin, body: { name: 'integration' } });
    expect(key.status).toBe(201);
    for (const headers of [stack.admin.headers, { 'x-api-key': key.body.key }]) {
      expect((await createKey(headers)).status).toBe(201);
      expect((await createKey({ ...headers, origin: 'https://evil.example' })).status).toBe(201);
    }
  });
});
