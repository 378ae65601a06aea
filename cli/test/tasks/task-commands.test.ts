import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ates } from '../../../test/support/cli.ts';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { EXIT } from '../../src/base-command.ts';
import type { Task } from '../../src/tasks.ts';
import { ptyDialog } from '../pty.ts';

let stack: TestStack;
let config: string;
let manager: SignedIn;
let ada: SignedIn;
let bob: SignedIn;

/** `ates …` as `as`, against the test stack, with no stored credentials of the machine's. */
function atesAs(as: SignedIn, args: string[]) {
  const token = as.headers.authorization?.replace('Bearer ', '') ?? '';
  return ates(args, { env: { ATES_API_URL: stack.apiUrl, ATES_TOKEN: token, XDG_CONFIG_HOME: config } });
}

async function createdFor(owner: SignedIn): Promise<Task> {
  for (;;) {
    const { body } = await stack.call('POST', '/v1/tasks', { as: manager, body: { title: 'Preen' } });
    if (body.assigneeId === owner.id) return body;
  }
}

/** Events the tasks context has published: what "nothing changed" compares. */
async function eventsPublished(): Promise<number> {
  const [row] = await stack.runtime.conn.db.execute<{ n: number }>(
    sql`select count(*)::int as n from bus.event_log where producer = 'tasks'`,
  );
  return row?.n ?? 0;
}

const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at /);

/** `ates …` as `as` in a pseudo-terminal, answering each question as it shows. */
function atesAtTerminal(as: SignedIn, args: string[], dialog: [question: string, answer: string][]) {
  const token = as.headers.authorization?.replace('Bearer ', '') ?? '';
  return ptyDialog(args, dialog, { env: { ATES_API_URL: stack.apiUrl, ATES_TOKEN: token, XDG_CONFIG_HOME: config } });
}

beforeAll(async () => {
  config = await mkdtemp(join(tmpdir(), 'ates-cli-config-'));
  stack = await startTestStack();
  manager = await stack.signUp('manager');
  ada = await stack.signUp('worker', 'Ada Popug');
  bob = await stack.signUp('worker', 'Bob Popug');
  for (;;) {
    const [row] = await stack.runtime.conn.db.execute<{ n: number }>(
      sql`select count(*)::int as n from tasks.employee where role = 'worker'`,
    );
    if (row?.n === 2) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
});

afterAll(async () => {
  await stack.stop();
  await rm(config, { recursive: true, force: true });
});

describe('ates task create', () => {
  it('creates a task from flags, splitting a title written the old way', async () => {
    const human = await atesAs(manager, [
      'task',
      'create',
      '--title',
      '[UP-42] - Fix the beak',
      '--description',
      'Squeaks',
    ]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('UP-42 Fix the beak (open)');
    expect(human.stdout).toMatch(/Assigned to (Ada|Bob) Popug, who paid its fee of \$\d+\.00\./);

    const json = await atesAs(manager, ['task', 'create', '--title', 'Polish', '--jira-id', 'UP-7', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ title: 'Polish', jiraId: 'UP-7', status: 'open' });
  });

  it('asks at a terminal for what the flags leave out', async () => {
    const { code, screen } = await atesAtTerminal(
      manager,
      ['task', 'create'],
      [
        ['Title', '[UP-9] - Trim the tail'],
        ['Jira id', ''],
        ['Description', 'Too long'],
      ],
    );
    expect(code).toBe(0);
    expect(screen).toContain('UP-9 Trim the tail (open)');
    expect(screen).toContain('Too long');
  });

  it('says what is missing or wrong, with an exit code for scripts and no stack trace', async () => {
    const missing = await atesAs(manager, ['task', 'create']);
    expect(missing.code).toBe(EXIT.badInput);
    expect(missing.stderr).toContain('Missing --title');

    const brackets = await atesAs(manager, ['task', 'create', '--title', 'Has [brackets]']);
    expect(brackets.code).toBe(EXIT.badInput);
    expect(brackets.stderr).toContain('must not contain [ or ]');
    noStackTrace(brackets.stderr);
  });
});

describe('ates task list and show', () => {
  it('lists a worker’s own tasks, and every task for a manager', async () => {
    const own = await createdFor(ada);
    const theirs = await createdFor(bob);
    const listed = await atesAs(ada, ['task', 'list', '--json']);
    expect(listed.code).toBe(0);
    const page = JSON.parse(listed.stdout) as { items: Task[] };
    expect(page.items.map((t) => t.id)).toContain(own.id);
    expect(page.items.every((t) => t.assigneeId === ada.id)).toBe(true);

    const table = await atesAs(manager, ['task', 'list', '--status', 'open']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(own.id.slice(0, 8));
    expect(table.stdout).toContain(theirs.id.slice(0, 8));
    expect(table.stdout).not.toContain(own.id);
    expect(table.stdout).toContain('UP-42 Fix the beak');

    const mine = await atesAs(manager, ['task', 'list', '--mine']);
    expect(mine.stdout).toContain('No tasks match.');
    const refused = await atesAs(ada, ['task', 'list', '--assignee', bob.id]);
    expect(refused.code).toBe(EXIT.forbidden);
  });

  it('pages with --limit and walks every page with --all', async () => {
    const first = JSON.parse((await atesAs(manager, ['task', 'list', '--limit', '1', '--json'])).stdout);
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const all = JSON.parse((await atesAs(manager, ['task', 'list', '--limit', '1', '--all', '--json'])).stdout);
    const [row] = await stack.runtime.conn.db.execute<{ n: number }>(sql`select count(*)::int as n from tasks.task`);
    expect(all.items).toHaveLength(row?.n ?? -1);
    expect(all.nextCursor).toBeNull();
  });

  it('shows one task, and another’s as not found', async () => {
    const task = await createdFor(ada);
    const shown = await atesAs(ada, ['task', 'show', task.id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`Id:       ${task.id}`);
    expect(shown.stdout).toContain('Assignee: Ada Popug');

    const hidden = await atesAs(bob, ['task', 'show', task.id]);
    expect(hidden.code).toBe(EXIT.notFound);
    noStackTrace(hidden.stderr);
  });
});

describe('ates task complete', () => {
  it('completes the caller’s task once; a second time is a conflict', async () => {
    const task = await createdFor(bob);
    const other = await atesAs(ada, ['task', 'complete', task.id]);
    expect(other.code).toBe(EXIT.notFound);

    const done = await atesAs(bob, ['task', 'complete', task.id]);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(`Its reward of $${task.rewardCents / 100}.00 is yours.`);
    const again = await atesAs(bob, ['task', 'complete', task.id, '--json']);
    expect(again.code).toBe(EXIT.conflict);
    expect(JSON.parse(again.stdout).error).toEqual({
      status: 409,
      type: 'https://ates.popug.inc/problems/conflict',
      title: 'Conflict',
      detail: expect.stringContaining('already done'),
    });
  });
});

describe('ates task reassign', () => {
  it('wants --yes when not at a terminal, and a manager or admin', async () => {
    const unconfirmed = await atesAs(manager, ['task', 'reassign']);
    expect(unconfirmed.code).toBe(EXIT.badInput);
    expect(unconfirmed.stderr).toContain('--yes');

    const worker = await atesAs(ada, ['task', 'reassign', '--yes']);
    expect(worker.code).toBe(EXIT.forbidden);
    expect(worker.stderr).toContain('manager or admin');
  });

  it('asks for confirmation at a terminal, and moves nothing on a no', async () => {
    const before = await eventsPublished();
    const refused = await atesAtTerminal(manager, ['task', 'reassign'], [['Reassign every open task?', 'n']]);
    expect(refused.code).toBe(EXIT.failure);
    expect(refused.screen).toContain('Nothing changed.');
    expect(refused.screen).not.toContain('Error');
    expect(await eventsPublished()).toBe(before);

    const confirmed = await atesAtTerminal(manager, ['task', 'reassign'], [['Reassign every open task?', 'y']]);
    expect(confirmed.code).toBe(0);
    expect(confirmed.screen).toMatch(/Moved \d+ open tasks? to \d+ employees?\./);
  });

  it('says how many tasks moved and to how many employees', async () => {
    const [row] = await stack.runtime.conn.db.execute<{ n: number }>(
      sql`select count(*)::int as n from tasks.task where status = 'open'`,
    );
    const human = await atesAs(manager, ['task', 'reassign', '--yes']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`Moved ${row?.n} open tasks to [12] employees?\\.`));

    const json = await atesAs(stack.admin, ['task', 'reassign', '--yes', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ movedTasks: row?.n, employees: expect.any(Number) });
  });
});
