import { stripVTControlCharacters } from 'node:util';
import { spawn } from '@lydell/node-pty';
import { RUN } from '../../test/support/cli.ts';

/** Keys as a terminal sends them. */
export const KEY = { enter: '\r', ctrlC: '\x03', down: '\x1b[B', up: '\x1b[A' } as const;

/** `ates …` in a real pseudo-terminal, as a person runs it: what it shows, and a keyboard. */
export interface PtySession {
  /** Everything shown so far, terminal control sequences removed. */
  screen(): string;
  /** Everything shown so far, as the terminal received it. */
  raw(): string;
  type(keys: string): void;
  /**
   * Resolves with the screen once it shows `text` after what the previous wait found; rejects after
   * `timeoutMs`, or when the command ends without showing it.
   */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
  /** The exit code, once the command ends. */
  exited: Promise<number>;
}

export function atesInPty(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; columns?: number; rows?: number } = {},
): PtySession {
  const pty = spawn(process.execPath, [RUN, ...args], {
    name: 'xterm-256color',
    cols: options.columns ?? 80,
    rows: options.rows ?? 40,
    env: { ...process.env, NO_COLOR: '1', ...options.env } as Record<string, string>,
  });
  let raw = '';
  let done = false;
  let cursor = 0;
  const waiters = new Set<() => void>();
  pty.onData((data) => {
    raw += data;
    for (const check of waiters) check();
  });
  const exited = new Promise<number>((resolve) =>
    pty.onExit(({ exitCode }) => {
      done = true;
      resolve(exitCode);
      for (const check of waiters) check();
    }),
  );
  const screen = () => stripVTControlCharacters(raw).replaceAll('\r', '');
  return {
    screen,
    raw: () => raw,
    type: (keys) => pty.write(keys),
    exited,
    waitFor(text, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const find = (): number => {
          const rest = screen().slice(cursor);
          const match = typeof text === 'string' ? rest.indexOf(text) : rest.search(text);
          return match < 0 ? -1 : cursor + match + 1;
        };
        const fail = () => {
          waiters.delete(check);
          reject(new Error(`The terminal never showed ${text}; it shows:\n${screen()}`));
        };
        const timer = setTimeout(fail, timeoutMs);
        const check = () => {
          const at = find();
          if (at < 0) {
            if (done) {
              clearTimeout(timer);
              fail();
            }
            return;
          }
          cursor = at;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(screen());
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/**
 * Runs `ates …` in a pseudo-terminal and holds a dialog: each answer is typed, then Enter, once its
 * question shows. Resolves with the exit code and everything the terminal showed.
 */
export async function ptyDialog(
  args: string[],
  dialog: [question: string, answer: string][],
  options: { env?: NodeJS.ProcessEnv; columns?: number } = {},
): Promise<{ code: number; screen: string }> {
  const session = atesInPty(args, options);
  for (const [question, answer] of dialog) {
    await session.waitFor(question);
    session.type(`${answer}${KEY.enter}`);
  }
  const code = await session.exited;
  return { code, screen: session.screen() };
}
