import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';

const PROXY = '127.0.0.20';
let stack: TestStack;

/** A sign-in sent from `from` (on Linux all of 127/8 is loopback), with extra headers. */
function signInFrom(from: string, email: string, password: string, headers: Record<string, string> = {}) {
  const body = JSON.stringify({ email, password });
  const url = new URL('/api/auth/sign-in/email', stack.apiUrl);
  return new Promise<{ status: number; retryAfter: number; body: { status?: number; title?: string } }>(
    (resolve, reject) => {
      const sent = request(
        url,
        {
          method: 'POST',
          localAddress: from,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk) => {
            text += chunk;
          });
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              retryAfter: Number(response.headers['retry-after'] ?? 0),
              body: text ? JSON.parse(text) : {},
            }),
          );
        },
      );
      sent.on('error', reject);
      sent.end(body);
    },
  );
}

/** Lets `seconds` pass for an account's delay, as far as the sign-in limit can tell. */
const letPass = (email: string, seconds: number) =>
  stack.runtime.conn.sql`update identity.sign_in_failure
    set last_attempt_at = last_attempt_at - make_interval(secs => ${seconds}) where key = ${`account:${email}`}`;

beforeAll(async () => {
  process.env.ATES_TRUSTED_PROXIES = `${PROXY}, 10.0.0.0/8`;
  try {
    stack = await startTestStack({ workers: false });
  } finally {
    delete process.env.ATES_TRUSTED_PROXIES;
  }
});

afterAll(async () => {
  await stack?.stop();
});

describe('the budget per account', () => {
  it('counts failures from every address, then delays every attempt, the right password too, by growing delays', async () => {
    const target = await stack.signUp('worker');
    for (let n = 2; n <= 6; n++) {
      expect((await signInFrom(`127.0.0.${n}`, target.email, `guess-${n}`)).status, `guess from 127.0.0.${n}`).toBe(
        401,
      );
    }
    const delayed = await signInFrom('127.0.0.7', target.email, target.password);
    expect(delayed.status).toBe(429);
    expect(delayed.body).toMatchObject({ status: 429, title: 'Too Many Requests' });
    expect(delayed.retryAfter).toBeGreaterThan(0);
    expect(delayed.retryAfter).toBeLessThanOrEqual(15);

    await letPass(target.email, 15);
    expect((await signInFrom('127.0.0.8', target.email, 'guess-after-the-delay')).status).toBe(401);
    const longer = await signInFrom('127.0.0.9', target.email, target.password);
    expect(longer.status).toBe(429);
    expect(longer.retryAfter).toBeGreaterThan(15);
    expect(longer.retryAfter).toBeLessThanOrEqual(30);

    await letPass(target.email, 30);
    expect((await signInFrom('127.0.0.9', target.email, target.password)).status).toBe(200);
    expect((await signInFrom('127.0.0.9', target.email, 'a-guess-counted-afresh')).status).toBe(401);
  });

  it('is the same for an email nobody has, so it tells nothing about who exists', async () => {
    for (let n = 2; n <= 6; n++)
      expect((await signInFrom(`127.0.1.${n}`, 'nobody@popug.inc', 'guess')).status).toBe(401);
    expect((await signInFrom('127.0.1.7', 'NOBODY@popug.inc', 'guess')).status).toBe(429);
  });
});

describe('the budget per client address', () => {
  it('stops one address guessing across many accounts, and leaves every other address alone', async () => {
    const victim = await stack.signUp('accountant');
    for (let n = 1; n <= 20; n++) {
      expect((await signInFrom('127.0.2.1', `sprayed-${n}@popug.inc`, 'Summer2026!')).status, `account ${n}`).toBe(401);
    }
    const refused = await signInFrom('127.0.2.1', victim.email, victim.password);
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBeGreaterThan(0);
    const spoofed = await signInFrom('127.0.2.1', victim.email, victim.password, { 'x-forwarded-for': '198.51.100.1' });
    expect(spoofed.status, 'X-Forwarded-For from a peer that is no trusted proxy counts for nothing').toBe(429);
    expect((await signInFrom('127.0.2.2', victim.email, victim.password)).status).toBe(200);
  });

  it('never refuses an office signing in at once from one address, however many they are', async () => {
    const office = Array.from({ length: 24 }, (_, n) => ({
      email: `office-${n}@popug.inc`,
      password: `office-password-${n}`,
      fullName: `Office ${n}`,
      role: 'worker',
    }));
    for (const popug of office) await stack.call('POST', '/v1/employees', { as: stack.admin, body: popug });
    const answers = await Promise.all(office.map((popug) => signInFrom('127.0.3.1', popug.email, popug.password)));
    expect(answers.map((answer) => answer.status)).toEqual(office.map(() => 200));
  }, 180_000);

  it('takes the client from X-Forwarded-For behind a trusted proxy, each client with a budget of its own', async () => {
    const behindProxy = (client: string, email: string, password = 'guess') =>
      signInFrom(PROXY, email, password, { 'x-forwarded-for': `${client}, 10.1.2.3` });
    for (let n = 1; n <= 20; n++) {
      expect((await behindProxy('203.0.113.7', `proxied-${n}@popug.inc`)).status, `attempt ${n}`).toBe(401);
    }
    expect((await behindProxy('203.0.113.7', 'one-more@popug.inc')).status).toBe(429);
    expect((await behindProxy('203.0.113.8', 'one-more@popug.inc')).status).toBe(401);
    const colleague = await stack.signUp('manager');
    expect((await behindProxy('203.0.113.9', colleague.email, colleague.password)).status).toBe(200);
  });
});
