import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';

let stack: TestStack;
let counter = 0;

/** Users and events in the database: what a refused request must leave unchanged. */
async function written() {
  const [row] = await stack.runtime.conn.db.execute<{ users: number; events: number }>(sql`
    select (select count(*)::int from identity.user) as users, (select count(*)::int from bus.event_log) as events`);
  return row;
}

async function eventsAbout(id: string) {
  return stack.runtime.conn.db.execute<{ event_name: string; data: Record<string, string> }>(
    sql`select event_name, data from bus.event_log where data->>'employee_id' = ${id} order by position`,
  );
}

function newEmployee(overrides: Record<string, unknown> = {}) {
  counter++;
  return {
    email: `popug-${counter}@popug.inc`,
    fullName: `Popug ${counter}`,
    role: 'worker',
    password: `popug-password-${counter}`,
    ...overrides,
  };
}

async function create(overrides: Record<string, unknown> = {}) {
  const body = newEmployee(overrides);
  const response = await stack.call('POST', '/v1/employees', { as: stack.admin, body });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return { ...response.body, password: body.password } as { id: string; email: string; password: string };
}

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
});

afterAll(async () => {
  await stack?.stop();
});

describe('creating an employee', () => {
  it('answers 201 with the employee, who can then sign in with the role given', async () => {
    const body = newEmployee({ email: 'Mixed.Case@Popug.inc', fullName: '  Kesha Popug  ', role: 'accountant' });
    const response = await stack.call('POST', '/v1/employees', { as: stack.admin, body });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email: 'mixed.case@popug.inc',
      fullName: 'Kesha Popug',
      role: 'accountant',
      active: true,
      createdAt: expect.stringMatching(/Z$/),
      updatedAt: expect.stringMatching(/Z$/),
    });
    const signedIn = await stack.signIn('mixed.case@popug.inc', body.password);
    expect(signedIn).toMatchObject({ id: response.body.id, role: 'accountant' });
    expect((await eventsAbout(response.body.id)).map((e) => e.event_name)).toEqual(['Employee.Created']);
  });

  it('generates a strong password when none is sent, shown once', async () => {
    const { password: _, ...body } = newEmployee();
    const response = await stack.call('POST', '/v1/employees', { as: stack.admin, body });
    expect(response.status).toBe(201);
    expect(response.body.generatedPassword).toMatch(/^[\w-]{20,}$/);
    await stack.signIn(body.email, String(response.body.generatedPassword));
    const shown = await stack.call('GET', `/v1/employees/${response.body.id}`, { as: stack.admin });
    expect(shown.body).not.toHaveProperty('generatedPassword');
  });

  const invalid: [string, unknown, RegExp][] = [
    ['a weak password', newEmployee({ password: 'short' }), /password: must be at least 10 characters/],
    ['an unknown role', newEmployee({ role: 'ceo' }), /role: /],
    ['a missing email', { fullName: 'No Email', role: 'worker', password: 'long-enough-password' }, /email/],
    ['a missing role', { email: 'norole@popug.inc', fullName: 'No Role', password: 'long-enough-password' }, /role/],
    ['an extra field', newEmployee({ isBoss: true }), /isBoss/],
    ['an invalid email', newEmployee({ email: 'not-an-email' }), /email: must be an email address/],
    ['an empty name', newEmployee({ fullName: '   ' }), /fullName: must not be empty/],
    ['malformed JSON', '{"email": "broken@popug.inc", ', /malformed|json/i],
  ];
  it.each(invalid)('refuses %s with 400 and writes nothing', async (_, body, detail) => {
    const before = await written();
    const response = await stack.call('POST', '/v1/employees', { as: stack.admin, body });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.detail).toMatch(detail);
    expect(await written()).toEqual(before);
  });

  it('refuses a duplicate email, whatever its case, with 409 and writes nothing', async () => {
    const existing = await create();
    const before = await written();
    const response = await stack.call('POST', '/v1/employees', {
      as: stack.admin,
      body: newEmployee({ email: existing.email.toUpperCase() }),
    });
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({
      title: 'Conflict',
      detail: `An employee with the email ${existing.email} already exists.`,
    });
    expect(await written()).toEqual(before);
  });

  it('gives exactly one of two simultaneous creates with the same email', async () => {
    const body = newEmployee();
    const answers = await Promise.all(
      [1, 2, 3].map(() => stack.call('POST', '/v1/employees', { as: stack.admin, body })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409]);
    const found = await stack.call('GET', `/v1/employees?email=${body.email}`, { as: stack.admin });
    expect(found.body.items).toHaveLength(1);
  });
});

describe('updating an employee', () => {
  it('changes name, email and role, each publishing Employee.Updated, and the new role holds at once', async () => {
    const employee = await create();
    const session = await stack.signIn(employee.email, employee.password);
    const renamed = await stack.call('PATCH', `/v1/employees/${employee.id}`, {
      as: stack.admin,
      body: { fullName: 'Renamed Popug', email: 'renamed@popug.inc' },
    });
    expect(renamed.body).toMatchObject({ fullName: 'Renamed Popug', email: 'renamed@popug.inc', role: 'worker' });
    const promoted = await stack.call('PATCH', `/v1/employees/${employee.id}`, {
      as: stack.admin,
      body: { role: 'manager' },
    });
    expect(promoted.body.role).toBe('manager');
    expect((await stack.call('GET', '/v1/me', { as: session })).body.role).toBe('manager');
    await stack.signIn('renamed@popug.inc', employee.password);

    const events = await eventsAbout(employee.id);
    expect(events.map((e) => [e.event_name, e.data.full_name, e.data.email, e.data.role])).toEqual([
      ['Employee.Created', expect.any(String), employee.email, 'worker'],
      ['Employee.Updated', 'Renamed Popug', 'renamed@popug.inc', 'worker'],
      ['Employee.Updated', 'Renamed Popug', 'renamed@popug.inc', 'manager'],
    ]);
  });

  it('publishes nothing when nothing changes', async () => {
    const employee = await create({ role: 'accountant' });
    const response = await stack.call('PATCH', `/v1/employees/${employee.id}`, {
      as: stack.admin,
      body: { role: 'accountant' },
    });
    expect(response.status).toBe(200);
    expect((await eventsAbout(employee.id)).map((e) => e.event_name)).toEqual(['Employee.Created']);
  });

  const invalid: [string, unknown, number, RegExp][] = [
    ['an empty change', {}, 400, /at least one of email, fullName, role/],
    ['an unknown role', { role: 'ceo' }, 400, /role: /],
    ['an extra field', { password: 'new-password-123' }, 400, /password/],
    ['malformed JSON', '{"role": ', 400, /malformed|json/i],
  ];
  it.each(invalid)('refuses %s and writes nothing', async (_, body, status, detail) => {
    const employee = await create();
    const before = await written();
    const response = await stack.call('PATCH', `/v1/employees/${employee.id}`, { as: stack.admin, body });
    expect(response.status).toBe(status);
    expect(response.body.detail).toMatch(detail);
    expect(await written()).toEqual(before);
  });

  it('refuses an email another employee has with 409', async () => {
    const [first, second] = [await create(), await create()];
    const before = await written();
    const response = await stack.call('PATCH', `/v1/employees/${second.id}`, {
      as: stack.admin,
      body: { email: first.email },
    });
    expect(response.status).toBe(409);
    expect(await written()).toEqual(before);
  });

  it('answers 404 for an employee that does not exist, whatever the id looks like', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-an-id']) {
      const response = await stack.call('PATCH', `/v1/employees/${id}`, { as: stack.admin, body: { role: 'worker' } });
      expect(response.status).toBe(404);
      expect((await stack.call('GET', `/v1/employees/${id}`, { as: stack.admin })).status).toBe(404);
    }
  });
});

describe('deactivating an employee', () => {
  it('ends their sessions, refuses their sign-in and API keys, and publishes Employee.Deleted', async () => {
    const employee = await create();
    const session = await stack.signIn(employee.email, employee.password);
    const key = await stack.call('POST', '/v1/api-keys', { as: session, body: { name: 'sync' } });

    const response = await stack.call('POST', `/v1/employees/${employee.id}/deactivate`, { as: stack.admin });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: employee.id, active: false });

    expect((await stack.call('GET', '/v1/me', { as: session })).status).toBe(401);
    const byKey = await stack.call('GET', '/v1/me', { as: { ...session, headers: { 'x-api-key': key.body.key } } });
    expect(byKey.status).toBe(401);
    await expect(stack.signIn(employee.email, employee.password)).rejects.toThrow(/403.*deactivated/);
    expect((await eventsAbout(employee.id)).map((e) => e.event_name)).toEqual(['Employee.Created', 'Employee.Deleted']);
  });

  it('refuses a second deactivation and any later change with 409, publishing nothing more', async () => {
    const employee = await create();
    await stack.call('POST', `/v1/employees/${employee.id}/deactivate`, { as: stack.admin });
    const before = await written();
    expect((await stack.call('POST', `/v1/employees/${employee.id}/deactivate`, { as: stack.admin })).status).toBe(409);
    const update = await stack.call('PATCH', `/v1/employees/${employee.id}`, {
      as: stack.admin,
      body: { role: 'manager' },
    });
    expect(update.status).toBe(409);
    expect(update.body.detail).toMatch(/deactivated/);
    expect(await written()).toEqual(before);
  });

  it('keeps an admin: nobody deactivates themself, and the last active admin stays one', async () => {
    const self = await stack.call('POST', `/v1/employees/${stack.admin.id}/deactivate`, { as: stack.admin });
    expect(self.status).toBe(409);
    expect(self.body.detail).toMatch(/yourself/);
    const demote = await stack.call('PATCH', `/v1/employees/${stack.admin.id}`, {
      as: stack.admin,
      body: { role: 'worker' },
    });
    expect(demote.status).toBe(409);
    expect(demote.body.detail).toMatch(/last active admin/);

    const second = await stack.signUp('admin');
    const demoted = await stack.call('PATCH', `/v1/employees/${second.id}`, {
      as: stack.admin,
      body: { role: 'worker' },
    });
    expect(demoted.body.role).toBe('worker');
  });
});

describe('listing employees', () => {
  it('pages by name with a cursor, visiting everyone once, and filters by role and status', async () => {
    const managers = [await create({ role: 'manager' }), await create({ role: 'manager' })];
    await stack.call('POST', `/v1/employees/${managers[0]?.id}/deactivate`, { as: stack.admin });
    const everyone = await stack.call('GET', '/v1/employees?limit=200', { as: stack.admin });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `limit=3&cursor=${cursor}` : 'limit=3';
      const page = await stack.call('GET', `/v1/employees?${query}`, { as: stack.admin });
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((e: { id: string }) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(everyone.body.items.map((e: { id: string }) => e.id));
    const names = everyone.body.items.map((e: { fullName: string }) => e.fullName);
    expect(names).toEqual([...names].sort((a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)));

    const active = await stack.call('GET', '/v1/employees?role=manager&active=true&limit=200', { as: stack.admin });
    expect(active.body.items.map((e: { id: string }) => e.id)).toContain(managers[1]?.id);
    expect(active.body.items.map((e: { id: string }) => e.id)).not.toContain(managers[0]?.id);
    for (const e of active.body.items) expect(e).toMatchObject({ role: 'manager', active: true });
    const inactive = await stack.call('GET', '/v1/employees?active=false&limit=200', { as: stack.admin });
    expect(inactive.body.items.every((e: { active: boolean }) => !e.active)).toBe(true);
    expect(inactive.body.items.map((e: { id: string }) => e.id)).toContain(managers[0]?.id);
  });

  it('refuses a cursor it did not give out and a bad filter with 400', async () => {
    for (const query of ['cursor=bogus', 'role=ceo', 'active=maybe', 'limit=0']) {
      const response = await stack.call('GET', `/v1/employees?${query}`, { as: stack.admin });
      expect(response.status, query).toBe(400);
    }
  });
});
