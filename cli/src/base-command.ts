import { Command, Errors, Flags, type Interfaces } from '@oclif/core';
import { type Credentials, loadCredentials } from './credentials.ts';
import { printable } from './render.ts';

export const DEFAULT_API_URL = 'http://127.0.0.1:4000';

/** Exit codes scripts can rely on. */
export const EXIT = {
  failure: 1,
  badInput: 2,
  notSignedIn: 3,
  forbidden: 4,
  notFound: 5,
  conflict: 6,
  unreachable: 7,
} as const;

const EXIT_BY_STATUS: Record<number, number> = {
  400: EXIT.badInput,
  401: EXIT.notSignedIn,
  403: EXIT.forbidden,
  404: EXIT.notFound,
  409: EXIT.conflict,
  422: EXIT.badInput,
};

interface Problem {
  title?: string;
  detail?: string;
  status?: number;
}

/** Scheme, host and port: a session is bound to all three, so https is never downgraded either. */
function origin(url: string): string {
  return URL.canParse(url) ? new URL(url).origin : url;
}

/** Asks at a terminal for input a flag did not give; elsewhere, a clear error naming the flag. */
export async function ask<T>(flag: string, prompt: () => Promise<T>): Promise<T> {
  if (!process.stdin.isTTY) Errors.error(`Missing --${flag}: pass it when not at a terminal.`, { exit: EXIT.badInput });
  return prompt();
}

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof AtesCommand)['baseFlags'] & T['flags']
>;

/**
 * Every client command: `--api` and `--json`, the stored credentials, and one way to call the
 * API that turns a problem+json answer into a clear message and a trustworthy exit code.
 */
export abstract class AtesCommand extends Command {
  static override enableJsonFlag = true;
  static override baseFlags = {
    api: Flags.string({
      description: `aTES API URL [default: the one you logged in to, else ${DEFAULT_API_URL}]`,
      env: 'ATES_API_URL',
      helpGroup: 'GLOBAL',
    }),
  };

  private credentials: Credentials | undefined;

  protected async apiUrl(): Promise<string> {
    const { flags } = await this.parse(this.constructor as typeof AtesCommand);
    this.credentials ??= await loadCredentials();
    return (flags.api ?? this.credentials?.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, '');
  }

  /** Calls the API as the logged-in user (or with `ATES_TOKEN` / `ATES_API_KEY`). */
  protected async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await this.exchange<T>(method, path, { body })).body;
  }

  /**
   * `request` with the answer's headers, and a say in the credentials: `token` replaces the
   * stored ones, `null` sends none (signing in).
   */
  protected async exchange<T>(
    method: string,
    path: string,
    options: { body?: unknown; token?: string | null } = {},
  ): Promise<{ body: T; headers: Headers }> {
    const base = await this.apiUrl();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.token !== undefined) {
      if (options.token) headers.authorization = `Bearer ${options.token}`;
    } else if (process.env.ATES_API_KEY) headers['x-api-key'] = process.env.ATES_API_KEY;
    else if (process.env.ATES_TOKEN) headers.authorization = `Bearer ${process.env.ATES_TOKEN}`;
    else if (this.credentials) headers.authorization = `Bearer ${this.storedToken(base, this.credentials)}`;
    const { body } = options;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      this.error(`Cannot reach the aTES API at ${base}. Is \`ates server start\` running?`, { exit: EXIT.unreachable });
    }
    const text = await response.text();
    const payload = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const sent = headers['x-api-key'] ?? headers.authorization;
      const caller = options.token === null ? 'signing-in' : sent ? 'signed-in' : 'anonymous';
      this.fail(response.status, payload as Problem | undefined, caller);
    }
    return { body: payload as T, headers: response.headers };
  }

  /**
   * The stored session's token, only for the API it was issued by: sent anywhere else, it would
   * hand that session to whoever runs the other end. `ates login --api <url>` signs in there.
   */
  private storedToken(base: string, credentials: Credentials): string {
    if (origin(base) !== origin(credentials.apiUrl)) {
      this.error(
        `You are logged in to ${credentials.apiUrl}, not to ${base}: your session is not sent elsewhere.\n` +
          `Log in there with \`ates login --api ${base}\`, or drop --api (and ATES_API_URL).`,
        { exit: EXIT.notSignedIn },
      );
    }
    return credentials.token;
  }

  private fail(status: number, problem: Problem | undefined, caller: 'signing-in' | 'anonymous' | 'signed-in'): never {
    const detail = printable(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    if (status === 401 && caller === 'anonymous') {
      this.error('You are not logged in: run `ates login` (or set ATES_TOKEN or ATES_API_KEY).', {
        exit: EXIT.notSignedIn,
      });
    }
    if (status === 401 && caller === 'signed-in') {
      this.error(`${detail}\nYour session has expired or was revoked: log in again with \`ates login\`.`, {
        exit: EXIT.notSignedIn,
      });
    }
    this.error(detail, { exit: EXIT_BY_STATUS[status] ?? EXIT.failure });
  }
}
