import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ates } from '../../../test/support/cli.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { EXIT } from '../../src/base-command.ts';
import { ptyDialog } from '../pty.ts';
import { STACK_TRACE, type Terminal, terminal } from './support.ts';

let stack: TestStack;
const terminals: Terminal[] = [];

/** A new employee, signed in with `ates login` at a terminal of their own. */
async function employeeAtTerminal(role: 'worker' | 'manager' = 'worker') {
  const employee = await stack.signUp(role);
  const term = await terminal(stack.apiUrl);
  terminals.push(term);
  const login = await term.run(['login', '--email', employee.email], { ATES_PASSWORD: employee.password });
  expect(login.code, login.stderr).toBe(0);
  return { employee, term };
}

/** Runs `ates …` as `as` through ATES_TOKEN, with no stored credentials. */
async function atesAs(as: { headers: Record<string, string> }, args: string[], env: NodeJS.ProcessEnv = {}) {
  const term = await terminal(stack.apiUrl);
  terminals.push(term);
  const token = as.headers.authorization?.replace('Bearer ', '') ?? '';
  return term.run(args, { ATES_TOKEN: token, ...env });
}

const signInStatus = async (email: string, password: string) =>
  (
    await fetch(`${stack.apiUrl}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    })
  ).status;

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
});

// Each test runs the real binary a few times; on a loaded machine one start can take seconds.
vi.setConfig({ testTimeout: 300_000 });

afterAll(async () => {
  for (const term of terminals) await term.close();
  await stack?.stop();
});

describe('ates password change', () => {
  it('changes the password from flags, ends the other sessions and keeps this one', async () => {
    const { employee, term } = await employeeAtTerminal();
    const changed = await term.run(['password', 'change', '--new-password', 'a-brand-new-password'], {
      ATES_PASSWORD: employee.password,
    });
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toContain('Password changed. Your other sessions have ended; this one goes on.');
    expect((await term.json(['whoami'])).email).toBe(employee.email);
    expect((await stack.call('GET', '/v1/me', { as: employee })).status).toBe(401);
    expect(await signInStatus(employee.email, employee.password)).toBe(401);
    expect(await signInStatus(employee.email, 'a-brand-new-password')).toBe(200);
  });

  it('reads the current and the new password from stdin with --stdin', async () => {
    const employee = await stack.signUp('worker');
    const term = await terminal(stack.apiUrl);
    terminals.push(term);
    const changed = await ates(['password', 'change', '--stdin', '--json'], {
      env: {
        XDG_CONFIG_HOME: term.configHome,
        ATES_API_URL: stack.apiUrl,
        ATES_TOKEN: employee.headers.authorization?.slice(7),
      },
      input: `${employee.password}\nfrom-stdin-password\n`,
    });
    expect(changed.code, changed.stderr).toBe(0);
    expect(JSON.parse(changed.stdout)).toEqual({ email: null, otherSessionsEnded: true });
    expect(await signInStatus(employee.email, 'from-stdin-password')).toBe(200);
  });

  it('asks at a terminal for the current password and the new one twice', async () => {
    const employee = await stack.signUp('worker');
    const term = await terminal(stack.apiUrl);
    terminals.push(term);
    const token = employee.headers.authorization?.slice(7);
    const env = { XDG_CONFIG_HOME: term.configHome, ATES_API_URL: stack.apiUrl, ATES_TOKEN: token };
    const { code, screen } = await ptyDialog(
      ['password', 'change'],
      [
        ['Current password', employee.password],
        ['New password', 'short'],
        // Ctrl-U clears what the prompt kept of the refused answer.
        ['characters', '\u0015typed-at-a-terminal'],
        ['New password again', 'not-the-same-one'],
        ['Not the same', '\u0015typed-at-a-terminal'],
      ],
      { env },
    );
    expect(code, screen).toBe(0);
    expect(screen).not.toContain('typed-at-a-terminal');
    expect(screen).toContain('Password changed.');
    expect(await signInStatus(employee.email, 'typed-at-a-terminal')).toBe(200);
  });

  it('refuses a wrong current password (exit 2), a short new one (exit 2) and missing flags off a terminal', async () => {
    const employee = await stack.signUp('worker');
    const wrong = await atesAs(employee, ['password', 'change', '--new-password', 'a-brand-new-password'], {
      ATES_PASSWORD: 'not-my-password',
    });
    expect(wrong.code).toBe(EXIT.badInput);
    expect(wrong.message).toContain('that is not your current password');
    expect(wrong.stderr).not.toMatch(STACK_TRACE);
    const short = await atesAs(employee, ['password', 'change', '--new-password', 'short'], {
      ATES_PASSWORD: employee.password,
    });
    expect(short.code).toBe(EXIT.badInput);
    const missing = await atesAs(employee, ['password', 'change'], { ATES_PASSWORD: employee.password });
    expect(missing.code).toBe(EXIT.badInput);
    expect(missing.message).toContain('Missing --new-password');
    expect(await signInStatus(employee.email, employee.password)).toBe(200);
  });
});

describe('ates employee reset-password', () => {
  it('is for admins: a manager gets exit 4; off a terminal it needs --yes; an unknown email is exit 5', async () => {
    const manager = await stack.signUp('manager');
    const target = await stack.signUp('worker');
    const refused = await atesAs(manager, ['employee', 'reset-password', target.email, '--yes']);
    expect(refused.code).toBe(EXIT.forbidden);
    const unconfirmed = await atesAs(stack.admin, ['employee', 'reset-password', target.email]);
    expect(unconfirmed.code).toBe(EXIT.badInput);
    expect(unconfirmed.message).toContain('--yes');
    const unknown = await atesAs(stack.admin, ['employee', 'reset-password', 'nobody@popug.inc', '--yes']);
    expect(unknown.code).toBe(EXIT.notFound);
    expect((await stack.call('GET', '/v1/me', { as: target })).status).toBe(200);
  });

  it('prints a one-time password once; the employee is told at login and must change it first', async () => {
    const { employee, term } = await employeeAtTerminal();
    const shown = await atesAs(stack.admin, ['employee', 'reset-password', employee.email, '--yes']);
    expect(shown.code, shown.stderr).toBe(0);
    const oneTime = /One-time password, shown this once: (\S+)/.exec(shown.stdout)?.[1] ?? '';
    expect(oneTime.length).toBeGreaterThanOrEqual(20);
    expect((await stack.call('GET', '/v1/me', { as: employee })).status).toBe(401);

    const scripted = await term.run(['login', '--email', employee.email], { ATES_PASSWORD: oneTime });
    expect(scripted.code).toBe(EXIT.forbidden);
    expect(scripted.message).toContain('Your password was reset by an admin');
    expect(scripted.message).toContain('ates password change');
    const blocked = await term.run(['task', 'list']);
    expect(blocked.code).toBe(EXIT.forbidden);
    expect(blocked.message).toContain('change it before anything else');

    const changed = await term.run(['password', 'change', '--new-password', 'chosen-by-myself'], {
      ATES_PASSWORD: oneTime,
    });
    expect(changed.code, changed.stderr).toBe(0);
    expect((await term.json(['task', 'list'])).items).toEqual([]);
    expect(await signInStatus(employee.email, oneTime)).toBe(401);
  });
  it('at a terminal, login asks for a new password after a one-time one', async () => {
    const employee = await stack.signUp('worker');
    const { body } = await stack.call('POST', `/v1/employees/${employee.id}/reset-password`, { as: stack.admin });
    const term = await terminal(stack.apiUrl);
    terminals.push(term);
    const env = { XDG_CONFIG_HOME: term.configHome, ATES_API_URL: stack.apiUrl };
    const { code, screen } = await ptyDialog(
      ['login', '--email', employee.email],
      [
        ['Password', body.oneTimePassword],
        ['New password', 'new-at-the-login'],
        ['New password again', 'new-at-the-login'],
      ],
      { env },
    );
    expect(code, screen).toBe(0);
    expect(screen).toContain('Your password was reset by an admin');
    expect(screen).toContain(`as ${body.fullName} <${employee.email}>, worker.`);
    expect((await term.json(['whoami'])).email).toBe(employee.email);
    expect(await signInStatus(employee.email, 'new-at-the-login')).toBe(200);
  });
});
