import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { outputOf } from './process-output.ts';

export const RUN = fileURLToPath(new URL('../../cli/bin/run.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `ates` binary, as `pnpm ates` does, and waits for it to exit. */
export function ates(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [RUN, ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end(options.input ?? '');
  return outputOf(child).then(({ code, stdout, stderr }) => ({ code, stdout, stderr }));
}

/** Starts a long-running `ates` command and resolves once a log line satisfies `ready`. */
export function atesUntil(
  args: string[],
  ready: (line: Record<string, unknown>) => boolean,
  env: NodeJS.ProcessEnv = {},
): Promise<{ child: ChildProcess; line: Record<string, unknown>; output: () => string }> {
  const child = spawn(process.execPath, [RUN, ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk;
      for (const text of chunk.toString().split('\n')) {
        if (!text.startsWith('{')) continue;
        const line = JSON.parse(text) as Record<string, unknown>;
        if (ready(line)) resolve({ child, line, output: () => output });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.once('exit', (code) => reject(new Error(`ates ${args.join(' ')} exited with ${code}:\n${output}`)));
  });
}
