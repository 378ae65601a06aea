import type { Role } from '@ates/db/bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';

type Caller = 'anonymous' | Role | 'worker API key';

interface Endpoint {
  name: string;
  /** Who gets the success status; everyone else signed in gets 403, anonymous 401. */
  allowed: Caller[];
  success: number;
  /** For a route that takes a body: what the bad-body columns send instead (malformed, wrong or huge). */
  badBody?: string;
  /** Builds a fresh request for one cell, so no cell depends on another. */
  request(caller: SignedIn | undefined): Promise<{ method: string; path: string; body?: unknown }>;
}

const ALL_SIGNED_IN: Caller[] = ['admin', 'manager', 'accountant', 'worker', 'worker API key'];
const CALLERS: Caller[] = ['anonymous', ...ALL_SIGNED_IN];

let stack: TestStack;
const as = new Map<Caller, SignedIn | undefined>();
let cell = 0;

/** An employee nobody else touches: the object of one cell. */
async function freshEmployee(): Promise<string> {
  cell++;
  const created = await stack.call('POST', '/v1/employees', {
    as: stack.admin,
    body: {
      email: `object-${cell}@popug.inc`,
      fullName: `Object ${cell}`,
      role: 'worker',
      password: `object-password-${cell}`,
    },
  });
  return created.body.id;
}

const ENDPOINTS: Endpoint[] = [
  {
    name: 'GET /v1/me',
    allowed: ALL_SIGNED_IN,
    success: 200,
    request: async () => ({ method: 'GET', path: '/v1/me' }),
  },
  {
    name: 'GET /v1/employees',
    allowed: ['admin'],
    success: 200,
    request: async () => ({ method: 'GET', path: '/v1/employees' }),
  },
  {
    name: 'GET /v1/employees/:id',
    allowed: ['admin'],
    success: 200,
    request: async () => ({ method: 'GET', path: `/v1/employees/${await freshEmployee()}` }),
  },
  {
    name: 'POST /v1/employees',
    allowed: ['admin'],
    success: 201,
    badBody: '{}',
    request: async () => {
      cell++;
      return {
        method: 'POST',
        path: '/v1/employees',
        body: {
          email: `new-${cell}@popug.inc`,
          fullName: `New ${cell}`,
          role: 'worker',
          password: `new-password-${cell}`,
        },
      };
    },
  },
  {
    name: 'PATCH /v1/employees/:id (name)',
    allowed: ['admin'],
    success: 200,
    badBody: '{"fullName": ',
    request: async () => ({
      method: 'PATCH',
      path: `/v1/employees/${await freshEmployee()}`,
      body: { fullName: 'Renamed' },
    }),
  },
  {
    name: 'PATCH /v1/employees/:id (role)',
    allowed: ['admin'],
    success: 200,
    badBody: JSON.stringify({ role: 'emperor', fullName: 'x'.repeat(100 * 1024) }),
    request: async () => ({
      method: 'PATCH',
      path: `/v1/employees/${await freshEmployee()}`,
      body: { role: 'manager' },
    }),
  },
  {
    name: 'POST /v1/employees/:id/deactivate',
    allowed: ['admin'],
    success: 200,
    request: async () => ({ method: 'POST', path: `/v1/employees/${await freshEmployee()}/deactivate` }),
  },
  {
    name: 'GET /v1/api-keys',
    allowed: ALL_SIGNED_IN,
    success: 200,
    request: async () => ({ method: 'GET', path: '/v1/api-keys' }),
  },
  {
    name: 'POST /v1/api-keys',
    allowed: ALL_SIGNED_IN,
    success: 201,
    badBody: '{"name": 42, "unknown": true}',
    request: async () => ({ method: 'POST', path: '/v1/api-keys', body: { name: 'matrix' } }),
  },
  {
    name: 'DELETE /v1/api-keys/:id (own key)',
    allowed: ALL_SIGNED_IN,
    success: 204,
    request: async (caller) => {
      const owner = caller ?? stack.admin;
      const key = await stack.call('POST', '/v1/api-keys', { as: owner, body: { name: 'to-revoke' } });
      return { method: 'DELETE', path: `/v1/api-keys/${key.body.id}` };
    },
  },
];

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
  as.set('anonymous', undefined);
  as.set('admin', stack.admin);
  for (const role of ['manager', 'accountant', 'worker'] as const) as.set(role, await stack.signUp(role));
  const worker = as.get('worker') as SignedIn;
  const key = await stack.call('POST', '/v1/api-keys', { as: worker, body: { name: 'integration' } });
  as.set('worker API key', { ...worker, headers: { 'x-api-key': key.body.key } });
});

afterAll(async () => {
  await stack?.stop();
});

describe.each(ENDPOINTS)('$name', (endpoint) => {
  it.each(CALLERS)('as %s', async (caller) => {
    const signedIn = as.get(caller);
    const { method, path, body } = await endpoint.request(signedIn);
    const response = await stack.call(method, path, { as: signedIn, body });
    const expected = caller === 'anonymous' ? 401 : endpoint.allowed.includes(caller) ? endpoint.success : 403;
    expect(response.status).toBe(expected);
    if (expected >= 400) {
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body).toMatchObject({ status: expected, title: expected === 401 ? 'Unauthorized' : 'Forbidden' });
    }
  });
});

/** The two bad-body columns: without credentials, and (for routes not everyone may call) with the wrong role. */
const BAD_BODY_CELLS = ENDPOINTS.filter((endpoint) => endpoint.badBody !== undefined).flatMap((endpoint) =>
  CALLERS.filter((caller) => caller === 'anonymous' || !endpoint.allowed.includes(caller)).map((caller) => ({
    endpoint,
    caller,
    column: caller === 'anonymous' ? 'no credentials with a bad body' : `wrong role (${caller}) with a bad body`,
  })),
);

describe.each(BAD_BODY_CELLS)('$endpoint.name, $column', ({ endpoint, caller }) => {
  it(`is ${caller === 'anonymous' ? 401 : 403} before the body is read`, async () => {
    const signedIn = as.get(caller);
    const { method, path } = await endpoint.request(signedIn);
    const response = await stack.call(method, path, { as: signedIn, body: endpoint.badBody });
    const expected = caller === 'anonymous' ? 401 : 403;
    expect(response.status).toBe(expected);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body).toMatchObject({ status: expected });
  });
});

describe('a refused request writes nothing', () => {
  it('a manager’s attempt to create, change or deactivate an employee leaves the directory as it was', async () => {
    const manager = as.get('manager') as SignedIn;
    const target = await freshEmployee();
    const before = await stack.call('GET', `/v1/employees/${target}`, { as: stack.admin });
    const attempts = [
      { method: 'POST', path: '/v1/employees', body: { email: 'nope@popug.inc', fullName: 'Nope', role: 'admin' } },
      { method: 'PATCH', path: `/v1/employees/${target}`, body: { role: 'admin' } },
      { method: 'POST', path: `/v1/employees/${target}/deactivate` },
    ];
    for (const { method, path, body } of attempts) {
      expect((await stack.call(method, path, { as: manager, body })).status).toBe(403);
    }
    expect((await stack.call('GET', `/v1/employees/${target}`, { as: stack.admin })).body).toEqual(before.body);
    const found = await stack.call('GET', '/v1/employees?email=nope@popug.inc', { as: stack.admin });
    expect(found.body.items).toEqual([]);
  });
});
