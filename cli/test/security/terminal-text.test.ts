import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { EXIT } from '../../src/base-command.ts';
import { type Terminal, terminal } from '../identity/support.ts';

let stack: TestStack;
let term: Terminal;
let manager: SignedIn;
let worker: SignedIn;
let taskId: string;

/** Clears the screen, retitles the window, sets red and moves the cursor: ESC, BEL and the 8-bit CSI. */
const HOSTILE_TITLE = 'Fix\u001bc the \u001b7beak\u009b2J';
const HOSTILE_DESCRIPTION = 'Squeaks\u001b[2J\u001b]0;owned\u0007\u001b[31m loudly\u001b[0m\nline two\u0008';
const HOSTILE_NAME = 'Kesha\u001b]8;;https://evil.example\u0007 Popug';
const CONTROL = /[^\P{Cc}\n]/u;

const atesAs = (as: SignedIn, args: string[]) =>
  term.run(args, { ATES_TOKEN: as.headers.authorization?.replace('Bearer ', '') ?? '' });

beforeAll(async () => {
  stack = await startTestStack();
  term = await terminal(stack.apiUrl);
  manager = await stack.signUp('manager');
  worker = await stack.signUp('worker');
  await stack.settle();
  const created = await stack.call('POST', '/v1/tasks', { as: manager, body: { title: 'Fix the beak' } });
  expect(created.status).toBe(201);
  taskId = created.body.id;
  // Text as it may already sit in the store, from before the API refused control characters.
  const { db } = stack.runtime.conn;
  await db.execute(sql`update tasks.task set title = ${HOSTILE_TITLE}, description = ${HOSTILE_DESCRIPTION}
    where id = ${taskId}`);
  await db.execute(sql`update tasks.employee set full_name = ${HOSTILE_NAME} where id = ${worker.id}`);
});

afterAll(async () => {
  await term.close();
  await stack.stop();
});

describe('what the CLI prints of data', { timeout: 300_000 }, () => {
  it('carries no escape sequence or control character in tables and messages, but keeps the text', async () => {
    const list = await atesAs(manager, ['task', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).not.toMatch(CONTROL);
    expect(list.stdout).toContain('Fix the beak');
    expect(list.stdout).toContain('Kesha Popug');

    const show = await atesAs(manager, ['task', 'show', taskId]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).not.toMatch(CONTROL);
    expect(show.stdout).toContain('Squeaks loudly\nline two');

    const refused = await atesAs(manager, ['task', 'complete', taskId]);
    expect(refused.code).toBe(EXIT.forbidden);
    expect(refused.stderr).not.toMatch(CONTROL);
    expect(refused.message).toContain('Only the assignee, Kesha Popug, can complete');
  });

  it('prints the exact data with --json', async () => {
    const json = await atesAs(manager, ['task', 'show', taskId, '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout).not.toContain('\u001b');
    expect(JSON.parse(json.stdout)).toMatchObject({
      title: HOSTILE_TITLE,
      description: HOSTILE_DESCRIPTION,
      assigneeName: HOSTILE_NAME,
    });
  });
});
