import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { STACK_TRACE, type Terminal, terminal } from './support.ts';

let stack: TestStack;
let admin: Terminal;

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
  admin = await terminal(stack.apiUrl);
  const login = await admin.run(['login', '--email', stack.admin.email], { ATES_PASSWORD: stack.admin.password });
  expect(login.code, login.stderr).toBe(0);
});

afterAll(async () => {
  await admin?.close();
  await stack?.stop();
});

describe('ates employee', () => {
  it('create makes an employee who can log in; without --password one is generated and shown once', async () => {
    const created = await admin.json([
      'employee',
      'create',
      '--email',
      'kesha@popug.inc',
      '--name',
      'Kesha Popug',
      '--role',
      'worker',
    ]);
    expect(created).toMatchObject({ email: 'kesha@popug.inc', fullName: 'Kesha Popug', role: 'worker', active: true });
    expect(created.generatedPassword).toMatch(/^[\w-]{20,}$/);

    const human = await admin.run([
      'employee',
      'create',
      '--email',
      'rita@popug.inc',
      '--name',
      'Rita Popug',
      '--role',
      'manager',
    ]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('Created Rita Popug <rita@popug.inc>, manager');
    expect(human.stdout).toMatch(/Their password, shown this once: [\w-]{20,}/);

    const kesha = await terminal(stack.apiUrl);
    try {
      const login = await kesha.run(['login', '--email', 'kesha@popug.inc'], {
        ATES_PASSWORD: created.generatedPassword,
      });
      expect(login.code, login.stderr).toBe(0);
      expect(await kesha.json(['whoami'])).toMatchObject({ id: created.id, role: 'worker' });
      const refused = await kesha.run(['employee', 'list']);
      expect(refused.code).toBe(4);
      expect(refused.message).toContain('This needs the role admin; you are worker.');
    } finally {
      await kesha.close();
    }
  });

  it('create refuses bad input with a clear message and a bad-input exit code', async () => {
    const missing = await admin.run(['employee', 'create', '--name', 'No Email', '--role', 'worker']);
    expect(missing.code).toBe(2);
    expect(missing.message).toContain('Missing --email');
    const weak = await admin.run([
      'employee',
      'create',
      '--email',
      'weak@popug.inc',
      '--name',
      'Weak',
      '--role',
      'worker',
      '--password',
      'short',
    ]);
    expect(weak.code).toBe(2);
    expect(weak.message).toContain('password: must be at least 10 characters');
    const role = await admin.run(['employee', 'create', '--email', 'ceo@popug.inc', '--name', 'Ceo', '--role', 'ceo']);
    expect(role.code).toBe(2);
    expect(role.message).toMatch(/Expected --role=ceo to be one of: admin, manager, accountant, worker/);
    for (const result of [missing, weak, role]) expect(result.stderr).not.toMatch(STACK_TRACE);
  });

  it('create answers a taken email with the conflict exit code', async () => {
    await admin.json(['employee', 'create', '--email', 'twice@popug.inc', '--name', 'Twice', '--role', 'worker']);
    const again = await admin.run([
      'employee',
      'create',
      '--email',
      'twice@popug.inc',
      '--name',
      'Twice',
      '--role',
      'worker',
    ]);
    expect(again.code).toBe(6);
    expect(again.message).toContain('An employee with the email twice@popug.inc already exists.');
  });

  it('list shows a table, or JSON pages with --json, filtered by role and status', async () => {
    const table = await admin.run(['employee', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/Name.*Email.*Role.*Status/);
    expect(table.stdout).toContain('First Admin');

    const firstPage = await admin.json(['employee', 'list', '--limit', '1']);
    expect(firstPage.items).toHaveLength(1);
    expect(firstPage.nextCursor).toEqual(expect.any(String));
    const all = await admin.json(['employee', 'list', '--all', '--limit', '1']);
    expect(all.nextCursor).toBeNull();
    expect(all.items.length).toBeGreaterThan(1);

    const admins = await admin.json(['employee', 'list', '--role', 'admin']);
    expect(admins.items.map((e: { email: string }) => e.email)).toEqual([stack.admin.email]);
  });

  it('update and set-role change an employee named by email or id', async () => {
    const created = await admin.json([
      'employee',
      'create',
      '--email',
      'ivan@popug.inc',
      '--name',
      'Ivan',
      '--role',
      'worker',
    ]);
    const renamed = await admin.json([
      'employee',
      'update',
      'ivan@popug.inc',
      '--name',
      'Ivan the Popug',
      '--email',
      'ivan.p@popug.inc',
    ]);
    expect(renamed).toMatchObject({ id: created.id, fullName: 'Ivan the Popug', email: 'ivan.p@popug.inc' });
    const promoted = await admin.json(['employee', 'set-role', created.id, 'accountant']);
    expect(promoted).toMatchObject({ id: created.id, role: 'accountant' });

    const nothing = await admin.run(['employee', 'update', created.id]);
    expect(nothing.code).toBe(2);
    const unknown = await admin.run(['employee', 'set-role', 'nobody@popug.inc', 'manager']);
    expect(unknown.code).toBe(5);
    expect(unknown.message).toContain('No employee with the email nobody@popug.inc.');
  });

  it('deactivate wants --yes away from a terminal, then logs the employee out everywhere', async () => {
    const created = await admin.json([
      'employee',
      'create',
      '--email',
      'gone@popug.inc',
      '--name',
      'Gone',
      '--role',
      'worker',
    ]);
    const gone = await terminal(stack.apiUrl);
    try {
      await gone.run(['login', '--email', 'gone@popug.inc'], { ATES_PASSWORD: created.generatedPassword });
      const unconfirmed = await admin.run(['employee', 'deactivate', 'gone@popug.inc']);
      expect(unconfirmed.code).toBe(2);
      expect(unconfirmed.message).toContain('Pass --yes');
      expect((await gone.run(['whoami'])).code).toBe(0);

      const deactivated = await admin.json(['employee', 'deactivate', 'gone@popug.inc', '--yes']);
      expect(deactivated).toMatchObject({ id: created.id, active: false });
      const after = await gone.run(['whoami']);
      expect(after.code).toBe(3);
      expect(after.message).toContain('log in again');
      const twice = await admin.run(['employee', 'deactivate', created.id, '--yes']);
      expect(twice.code).toBe(6);
    } finally {
      await gone.close();
    }
  });
});
