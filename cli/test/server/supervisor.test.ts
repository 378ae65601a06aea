import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from '@ates/db/testing';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The bound the README promises for a stop: requests drain, batches finish, stores close. */
const STOP_BOUND_MS = 45_000;

/** `command` from PATH, as a supervisor runs it: the suite itself runs under `npx -y pnpm@10`. */
function launch(command: string[]): ChildProcess {
  const [file = '', ...args] = command;
  return spawn(file, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Processes whose command line names `home`: the server and anything it started. */
function processesOf(home: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', home], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

let homes: string[] = [];

afterEach(async () => {
  for (const home of homes) {
    for (const pid of processesOf(home)) process.kill(Number(pid), 'SIGKILL');
    await rm(home, { recursive: true, force: true });
  }
  homes = [];
});

describe('a supervisor that signals only the top process', () => {
  it.each([
    ['npx -y pnpm@10 start', ['npx', '-y', 'pnpm@10', 'start']],
    ['pnpm ates server start', ['pnpm', 'ates', 'server', 'start']],
  ])(
    '%s: SIGTERM to the top process alone stops the server and its PostgreSQL, within the bound',
    async (_, command) => {
      const home = await mkdtemp(join(tmpdir(), 'ates-supervised-'));
      homes.push(home);
      const top = launch([...command, '--home', home]);
      let output = '';
      top.stdout?.on('data', (chunk) => {
        output += chunk;
      });
      top.stderr?.on('data', (chunk) => {
        output += chunk;
      });
      await until(async () => output.includes('aTES is running'), { timeoutMs: 120_000, pollMs: 100 });
      expect(existsSync(join(home, 'postgres', 'postmaster.pid'))).toBe(true);

      top.kill('SIGTERM');
      await until(async () => processesOf(home).length === 0, { timeoutMs: STOP_BOUND_MS, pollMs: 100 });
      expect(existsSync(join(home, 'postgres', 'postmaster.pid'))).toBe(false);
      expect(existsSync(join(home, 'ates.lock'))).toBe(false);
      expect(output).toMatch(/"reason":"its launcher \(pid \d+\) is gone"|"reason":"SIGTERM"/);
    },
    240_000,
  );
});
