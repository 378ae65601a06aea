import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ates, type CliResult } from '../../../test/support/cli.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read --json output field by field and assert on them
type Json = any;

/** A finished command; `message` is stderr with oclif's wrapping and ` ›   Error:` margins undone. */
export type Run = CliResult & { message: string };

/** One person at one terminal: their own config directory, pointed at the test stack. */
export interface Terminal {
  configHome: string;
  run(args: string[], env?: NodeJS.ProcessEnv): Promise<Run>;
  json<T = Json>(args: string[], env?: NodeJS.ProcessEnv): Promise<T>;
  close(): Promise<void>;
}

export async function terminal(apiUrl: string): Promise<Terminal> {
  const configHome = await mkdtemp(join(tmpdir(), 'ates-xdg-'));
  const run = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> => {
    const result = await ates(args, { env: { XDG_CONFIG_HOME: configHome, ATES_API_URL: apiUrl, ...env } });
    return { ...result, message: messageOf(result.stderr) };
  };
  return {
    configHome,
    run,
    async json(args, env) {
      const result = await run([...args, '--json'], env);
      if (result.code !== 0)
        throw new Error(`ates ${args.join(' ')} exited ${result.code}: ${result.stderr}${result.stdout}`);
      return JSON.parse(result.stdout);
    },
    close: () => rm(configHome, { recursive: true, force: true }),
  };
}

/** stderr with oclif's wrapping and ` ›   Error:` margins undone. */
export const messageOf = (stderr: string): string =>
  stderr
    .replaceAll(/\s*›\s*(Error:\s*)?/g, ' ')
    .replaceAll(/\s+/g, ' ')
    .trim();

/** What a failing command must never show. */
export const STACK_TRACE = /\n\s+at /;
