import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { EXIT } from '../../src/base-command.ts';
import type { Task } from '../../src/tasks.ts';
import { STACK_TRACE, type Terminal, terminal } from '../identity/support.ts';

let stack: TestStack;
let term: Terminal;
let manager: SignedIn;
let creator: SignedIn;
let assignee: SignedIn;
let outsider: SignedIn;

const tokenOf = (as: SignedIn) => ({ ATES_TOKEN: as.headers.authorization?.slice(7) ?? '' });

/** A task `by` creates that lands on `on`. */
async function taskBy(by: SignedIn, on: SignedIn, body: Record<string, unknown>): Promise<Task> {
  for (;;) {
    const { body: task } = await stack.call('POST', '/v1/tasks', { as: by, body });
    if (task.assigneeId === on.id) return task;
  }
}

beforeAll(async () => {
  stack = await startTestStack();
  term = await terminal(stack.apiUrl);
  manager = await stack.signUp('manager');
  creator = await stack.signUp('worker', 'Carl Creator');
  assignee = await stack.signUp('worker', 'Ada Assignee');
  outsider = await stack.signUp('worker', 'Otto Outsider');
  await stack.settle();
});

afterAll(async () => {
  await term?.close();
  await stack?.stop();
});

// Each test runs the real binary a few times; on a loaded machine one start can take seconds.
vi.setConfig({ testTimeout: 300_000 });

describe('ates task edit', () => {
  it('lets the creator change the text, splitting a legacy title, and removes a field given empty', async () => {
    const task = await taskBy(creator, assignee, { title: 'Old title', description: 'Old words' });
    const edited = await term.json<Task>(
      ['task', 'edit', task.id, '--title', '[UP-42] - Fix the beak'],
      tokenOf(creator),
    );
    expect(edited).toMatchObject({ id: task.id, title: 'Fix the beak', jiraId: 'UP-42', description: 'Old words' });
    const cleared = await term.run(['task', 'edit', task.id, '--description', ''], tokenOf(manager));
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.stdout).toContain('UP-42 Fix the beak (open)');
    expect(cleared.stdout).not.toContain('Old words');
    const { body } = await stack.call('GET', `/v1/tasks/${task.id}`, { as: manager });
    expect(body).toMatchObject({ title: 'Fix the beak', jiraId: 'UP-42', description: null });
  });

  it('exits 4 for the assignee, 5 for anyone else, 6 for a done task and 2 for bad input, changing nothing', async () => {
    const task = await taskBy(creator, assignee, { title: 'Keep me' });
    const done = await taskBy(creator, assignee, { title: 'Finished' });
    await stack.call('POST', `/v1/tasks/${done.id}/complete`, { as: assignee });
    const cases: [string[], SignedIn, number, string][] = [
      [['task', 'edit', task.id, '--title', 'Mine'], assignee, EXIT.forbidden, 'Only the task’s creator'],
      [['task', 'edit', task.id, '--title', 'Mine'], outsider, EXIT.notFound, 'that you can see'],
      [['task', 'edit', done.id, '--title', 'Again'], creator, EXIT.conflict, 'done'],
      [['task', 'edit', task.id], creator, EXIT.badInput, 'Nothing to change'],
      [['task', 'edit', task.id, '--jira-id', 'up 1'], creator, EXIT.badInput, 'must look like UP-42'],
    ];
    for (const [args, as, code, message] of cases) {
      const result = await term.run(args, tokenOf(as));
      expect(result.code, args.join(' ')).toBe(code);
      expect(result.message, args.join(' ')).toContain(message);
      expect(result.stderr).not.toMatch(STACK_TRACE);
    }
    const { body } = await stack.call('GET', `/v1/tasks/${task.id}`, { as: manager });
    expect(body.title).toBe('Keep me');
  });
});

describe('ates task list filters', () => {
  it('finds tasks by jira id, by text and by assignee email', async () => {
    const create = async (body: Record<string, unknown>) =>
      (await stack.call('POST', '/v1/tasks', { as: manager, body })).body;
    const jira = await create({ title: 'Sharpen the claws', jiraId: 'UP-777' });
    const text = await create({ title: 'Untangle', description: 'The KNOTTED perch rope' });
    const owner = [creator, assignee, outsider].find((p) => p.id === text.assigneeId) as SignedIn;
    const byJira = await term.json(['task', 'list', '--jira-id', 'UP-777'], tokenOf(manager));
    expect(byJira.items.map((t: Task) => t.id)).toEqual([jira.id]);
    const bySearch = await term.json(['task', 'list', '--search', 'knotted'], tokenOf(manager));
    expect(bySearch.items.map((t: Task) => t.id)).toEqual([text.id]);
    const byEmail = await term.run(['task', 'list', '--assignee', owner.email, '--search', 'perch'], tokenOf(manager));
    expect(byEmail.code, byEmail.stderr).toBe(0);
    expect(byEmail.stdout).toContain('Untangle');
    expect(byEmail.stdout).not.toContain('Sharpen');
  });
});
