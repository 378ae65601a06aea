import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { type Terminal, terminal } from './support.ts';

let stack: TestStack;
let worker: SignedIn;
let term: Terminal;

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
  worker = await stack.signUp('worker', 'Key Keeper');
  term = await terminal(stack.apiUrl);
  await term.run(['login', '--email', worker.email], { ATES_PASSWORD: worker.password });
});

afterAll(async () => {
  await term?.close();
  await stack?.stop();
});

describe('ates apikey', () => {
  it('create shows the key once; the key then works for the CLI too, until revoked', async () => {
    const human = await term.run(['apikey', 'create', '--name', 'shown-once']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/Copy it now; it is not shown again:\nates_\w{64}/);

    const created = await term.json(['apikey', 'create', '--name', 'nightly', '--expires-in-days', '7']);
    expect(created).toMatchObject({ name: 'nightly', enabled: true, key: expect.stringMatching(/^ates_/) });
    const viaKey = await term.json(['whoami'], { ATES_API_KEY: created.key, XDG_CONFIG_HOME: '/nonexistent' });
    expect(viaKey).toMatchObject({ id: worker.id, fullName: 'Key Keeper' });

    const list = await term.json(['apikey', 'list']);
    expect(list.items.map((k: { name: string }) => k.name)).toEqual(['shown-once', 'nightly']);
    expect(JSON.stringify(list)).not.toContain(created.key);
    const table = await term.run(['apikey', 'list']);
    expect(table.stdout).toMatch(/Name.*Starts with.*Status/);

    const revoked = await term.json(['apikey', 'revoke', created.id]);
    expect(revoked).toEqual({ id: created.id, revoked: true });
    const refused = await term.run(['whoami'], { ATES_API_KEY: created.key });
    expect(refused.code).toBe(3);
    expect(refused.message).toContain('The API key is unknown, expired or revoked.');
    expect(refused.message).toContain('rejected the key in ATES_API_KEY');
    expect(refused.message).not.toContain('log in again');
    const again = await term.run(['apikey', 'revoke', created.id]);
    expect(again.code).toBe(5);
  });

  it('create asks for a name only at a terminal', async () => {
    const result = await term.run(['apikey', 'create']);
    expect(result.code).toBe(2);
    expect(result.message).toContain('Missing --name');
  });
});
