import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { until } from '@ates/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';

let stack: TestStack;

/** Every folder and file under the home, but the modes a private file or folder has. */
async function notPrivate(home: string): Promise<string[]> {
  const entries = await readdir(home, { recursive: true, withFileTypes: true });
  const wrong: string[] = [];
  for (const path of [home, ...entries.map((e) => join(e.parentPath, e.name))]) {
    // chDB makes and removes temporary files as it works: one gone since the listing has no mode to check.
    const info = await lstat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!info || info.isSymbolicLink()) continue;
    const mode = info.mode & 0o777;
    if (mode !== (info.isDirectory() ? 0o700 : 0o600)) wrong.push(`${path} ${mode.toString(8)}`);
  }
  return wrong;
}

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack.stop();
});

describe('$ATES_HOME of a running server', { timeout: 300_000 }, () => {
  it('holds chDB and the payout outbox, every folder 0700 and every file 0600', async () => {
    const worker = await stack.signUp('worker');
    await stack.settle();
    const task = await stack.call('POST', '/v1/tasks', { as: stack.admin, body: { title: 'Earn a payout' } });
    expect(task.status).toBe(201);
    expect((await stack.call('POST', `/v1/tasks/${task.body.id}/complete`, { as: worker })).status).toBe(200);
    await stack.settle();
    expect((await stack.call('POST', '/v1/business-days/close', { as: stack.admin })).status).toBe(200);
    const outbox = join(stack.home, 'outbox');
    await until(async () => (await readdir(outbox).catch(() => [])).some((name) => name.endsWith('.eml')), {
      timeoutMs: 120_000,
    });

    expect((await stat(join(stack.home, 'analytics'))).isDirectory()).toBe(true);
    expect(await notPrivate(stack.home)).toEqual([]);
  });
});
