import { Command, Errors, Flags, type Interfaces } from '@oclif/core';
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './api.d.ts';
import type { Answer, Api, Body, Schema } from './client.ts';
import { type Credentials, loadCredentials } from './credentials.ts';
import { httpFetch, Unreachable } from './http.ts';
import { type Jq, loadJq } from './jq.ts';
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
  interrupted: 130,
} as const;

const EXIT_BY_STATUS: Record<number, number> = {
  400: EXIT.badInput,
  401: EXIT.notSignedIn,
  403: EXIT.forbidden,
  404: EXIT.notFound,
  409: EXIT.conflict,
  413: EXIT.badInput,
  415: EXIT.badInput,
  422: EXIT.badInput,
};

/** Methods that change state: each call sends a fresh Idempotency-Key, so a retry of it is safe. */
const CHANGES_STATE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** From the global Web Crypto: node:crypto loads when a command first changes something, not at every start. */
const IDEMPOTENCY_KEY: Middleware = {
  onRequest({ request, schemaPath }) {
    if (CHANGES_STATE.has(request.method) && schemaPath.startsWith('/v1/')) {
      request.headers.set('idempotency-key', crypto.randomUUID());
    }
  },
};

/** The titles of the failures the CLI finds itself, by exit code, for `--json` errors. */
const TITLE_BY_EXIT: Record<number, string> = {
  [EXIT.failure]: 'Failure',
  [EXIT.badInput]: 'Bad Input',
  [EXIT.notSignedIn]: 'Not Signed In',
  [EXIT.forbidden]: 'Forbidden',
  [EXIT.notFound]: 'Not Found',
  [EXIT.conflict]: 'Conflict',
  [EXIT.unreachable]: 'API Unreachable',
  127: 'Unknown Command',
};

const PROBLEM_TYPE_BASE = 'https://ates.popug.inc/problems/';

/** An RFC 9457 problem, as the API sends it or as the CLI describes its own failures under `--json` (no status). */
export type Problem = Pick<Schema<'Problem'>, 'type' | 'title' | 'detail'> & { status: number | null };

/** A failure with the problem the API answered, so `--json` can pass it on as it came. */
class ProblemError extends Errors.CLIError {
  readonly problem: Problem;

  constructor(problem: Problem, exit: number, message = problem.detail) {
    super(message, { exit });
    this.problem = problem;
  }
}

/** The user answered "no": nothing is wrong, but nothing was done either. */
class Declined extends Error {
  constructor() {
    super('Nothing changed.');
  }
}

/**
 * The prompts, imported when a command asks something: they weigh more than the rest of a
 * command, which mostly runs with its flags.
 */
export const prompts = () => import('@inquirer/prompts');

/** Scheme, host and port: a session is bound to all three, so https is never downgraded either. */
function origin(url: string): string {
  return URL.canParse(url) ? new URL(url).origin : url;
}

/** Asks at a terminal for input a flag did not give; elsewhere, a clear error naming the flag. */
export async function ask<T>(flag: string, prompt: () => Promise<T>): Promise<T> {
  if (!process.stdin.isTTY) Errors.error(`Missing --${flag}: pass it when not at a terminal.`, { exit: EXIT.badInput });
  return prompt();
}

/**
 * Asks "are you sure?" unless `--yes` was given; off a terminal `--yes` is required. A "no" ends the
 * command with "Nothing changed." and exit 1.
 */
export async function confirmOrStop(message: string, options: { yes: boolean; action: string }): Promise<void> {
  if (options.yes) return;
  if (!process.stdin.isTTY)
    Errors.error(`Pass --yes to ${options.action} when not at a terminal.`, { exit: EXIT.badInput });
  const { confirm } = await prompts();
  if (!(await confirm({ message, default: false }))) throw new Declined();
}

/** oclif's parser messages, said the way a person would: "Missing required flag --consumer (see …)". */
function readable(message: string, command: string): string {
  if (!message.startsWith('The following error')) return message;
  const problems = message
    .replace(/^The following errors? occurred:\s*/, '')
    .replace(/\s*See more help with --help\s*$/, '')
    .replace(/Missing required flag (\w)/g, 'Missing required flag --$1')
    .split(/\n\s*/);
  return `${problems.join('; ')} (see \`${command} --help\`).`;
}

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof AtesCommand)['baseFlags'] & T['flags']
>;

/**
 * Every aTES command: `--json` errors as `{ error: problem }`, `--jq` on the JSON, Ctrl-C at a
 * prompt as exit 130, a declined confirmation as "Nothing changed." and exit 1.
 */
export abstract class AtesBase extends Command {
  static override enableJsonFlag = true;
  static override baseFlags = {
    jq: Flags.string({
      description: 'print only what this jq filter picks from the --json output, e.g. ".items[].id"',
      dependsOn: ['json'],
      helpGroup: 'GLOBAL',
    }),
  };

  private jq: Jq | undefined;
  private failed = false;

  override async init(): Promise<void> {
    await super.init();
    const { flags } = await this.parse(this.constructor as typeof AtesBase);
    if (!flags.jq) return;
    this.jq = await loadJq(flags.jq).catch((error: Error) => this.error(error.message, { exit: EXIT.badInput }));
  }

  override logJson(json: unknown): void {
    if (!this.jq || this.failed) {
      super.logJson(json);
      return;
    }
    const { output, error } = this.jq(json);
    if (output) process.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
    if (error) {
      process.stderr.write(`${error}\n`);
      process.exitCode = EXIT.failure;
    }
  }

  override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    this.failed = true;
    if (error.name === 'ExitPromptError') {
      process.exitCode = EXIT.interrupted;
      return;
    }
    if (error instanceof Declined) {
      process.exitCode = EXIT.failure;
      if (this.jsonEnabled()) this.logJson(this.toErrorJson(error));
      else this.logToStderr(error.message);
      return;
    }
    error.message = readable(error.message, this.usage());
    return super.catch(error);
  }

  /** "ates bus retry", as the user typed it. */
  private usage(): string {
    return [this.config.bin, ...(this.id ?? '').split(':')].join(' ');
  }

  override toErrorJson(error: unknown): { error: Problem } {
    if (error instanceof ProblemError) return { error: error.problem };
    const exit = (error as { oclif?: { exit?: number } }).oclif?.exit ?? EXIT.failure;
    const title = TITLE_BY_EXIT[exit] ?? TITLE_BY_EXIT[EXIT.failure] ?? 'Failure';
    const detail = error instanceof Error ? error.message : String(error);
    return { error: { status: null, type: problemType(title), title, detail } };
  }
}

const problemType = (title: string) => `${PROBLEM_TYPE_BASE}${title.toLowerCase().replaceAll(/[^a-z]+/g, '-')}`;

/** How a list of the API names its objects, for finding the one a short id stands for. */
export interface IdLookup {
  /** "task", "employee": for the messages. */
  noun: string;
  /** One page of the list to search, with its filters: at most `limit` objects, from `cursor` on. */
  list(
    api: Api,
    page: { limit: number; cursor?: string },
  ): Promise<Answer<{ items: { id: string }[]; nextCursor?: string | null }>>;
  /** The list is sorted by id, newest (highest) first, so the search can stop below the prefix. */
  idDescending?: boolean;
}

const MAX_CANDIDATES = 10;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ID_PREFIX = /^[0-9a-f][0-9a-f-]{0,35}$/i;

/**
 * Every client command: `--api`, the stored credentials, and one way to call the API that turns
 * a problem+json answer into a clear message and a trustworthy exit code.
 */
export abstract class AtesCommand extends AtesBase {
  static override baseFlags = {
    ...AtesBase.baseFlags,
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
    const given = flags.api ?? this.credentials?.apiUrl ?? DEFAULT_API_URL;
    if (!URL.canParse(given) || !/^https?:$/.test(new URL(given).protocol)) {
      this.error(`The API URL "${given}" (--api or ATES_API_URL) is not an http(s) URL like ${DEFAULT_API_URL}.`, {
        exit: EXIT.badInput,
      });
    }
    return given.replace(/\/+$/, '');
  }

  /**
   * Calls the API as the logged-in user (or with `ATES_TOKEN` / `ATES_API_KEY`) through its typed
   * client, `(api) => api.GET('/v1/me')`: answers the body of a success, and turns anything else
   * into a clear message and a trustworthy exit code.
   */
  protected async call<A extends Answer>(request: (api: Api) => Promise<A>): Promise<Body<A>> {
    return (await this.exchange(request)).body;
  }

  /**
   * `call` with the whole answer, and a say in the credentials: `token` replaces the stored ones,
   * `null` sends none (signing in).
   */
  protected async exchange<A extends Answer>(
    request: (api: Api) => Promise<A>,
    options: { token?: string | null } = {},
  ): Promise<{ body: Body<A>; response: Response }> {
    const base = await this.apiUrl();
    const headers: Record<string, string> = { accept: 'application/json' };
    const credential = options.token === undefined ? this.storedCredential(base) : undefined;
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    else if (credential?.kind === 'key') headers['x-api-key'] = credential.value;
    else if (credential) headers.authorization = `Bearer ${credential.value}`;
    const api = createClient<paths>({ baseUrl: base, fetch: httpFetch, Request, headers });
    api.use(IDEMPOTENCY_KEY);
    let answer: A;
    try {
      answer = await request(api);
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      this.error(`Cannot reach the aTES API at ${base}. Is \`ates server start\` running?`, { exit: EXIT.unreachable });
    }
    const { response } = answer;
    if (!response.ok) this.fail(response.status, answer.error as Partial<Problem> | undefined, credential?.kind);
    return { body: answer.data as Body<A>, response };
  }

  /** The credential a request sends: `ATES_API_KEY`, else `ATES_TOKEN`, else the stored session; none is exit 3. */
  private storedCredential(base: string): { kind: 'key' | 'token' | 'session'; value: string } {
    const { ATES_API_KEY, ATES_TOKEN } = process.env;
    if (ATES_API_KEY) return { kind: 'key', value: this.sendable('ATES_API_KEY', ATES_API_KEY) };
    if (ATES_TOKEN) return { kind: 'token', value: this.sendable('ATES_TOKEN', ATES_TOKEN) };
    if (this.credentials?.token) return { kind: 'session', value: this.storedToken(base, this.credentials) };
    this.error('You are not logged in: run `ates login` (or set ATES_TOKEN or ATES_API_KEY).', {
      exit: EXIT.notSignedIn,
    });
  }

  /**
   * A key or token from the environment, refused before it is sent when it could not be one: both
   * are visible ASCII, and a header cannot carry a line break (a token pasted with its neighbour).
   */
  private sendable(variable: string, value: string): string {
    if (!/^[\x21-\x7e]+$/.test(value)) {
      this.error(`${variable} holds a space, a line break or a character outside ASCII, which no key or token has.`, {
        exit: EXIT.badInput,
      });
    }
    return value;
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

  private fail(
    status: number,
    body: Partial<Problem> | undefined,
    sent: 'key' | 'token' | 'session' | undefined,
  ): never {
    const title = body?.title ?? `HTTP ${status}`;
    const problem: Problem = {
      status,
      type: body?.type ?? problemType(title),
      title,
      detail: printable(body?.detail ?? title),
    };
    const exit = EXIT_BY_STATUS[status] ?? EXIT.failure;
    if (status === 401 && sent) throw new ProblemError(problem, exit, `${problem.detail}\n${REJECTED[sent]}`);
    throw new ProblemError(problem, exit);
  }

  /**
   * The full id a short one (a unique prefix, as `ates task list` shows them) stands for, found by
   * listing through the API; a full id is taken as it is. No match is exit 5, several are exit 2.
   */
  protected async resolveId(given: string, lookup: IdLookup): Promise<string> {
    if (UUID.test(given) || !ID_PREFIX.test(given)) return given;
    const prefix = given.toLowerCase();
    const matches: string[] = [];
    for (let cursor: string | undefined; ; ) {
      const page = await this.call((api) => lookup.list(api, { limit: 200, cursor })).catch((error: unknown) => {
        if (error instanceof ProblemError && error.problem.status === 403) {
          this.error(`Your role may not list ${lookup.noun}s to find the short id ${given}: give the whole id.`, {
            exit: EXIT.forbidden,
          });
        }
        throw error;
      });
      matches.push(...page.items.map((item) => item.id).filter((id) => id.startsWith(prefix)));
      const last = page.items.at(-1)?.id;
      const pastIt = lookup.idDescending && last !== undefined && last < prefix;
      if (!page.nextCursor || pastIt || matches.length >= MAX_CANDIDATES) break;
      cursor = page.nextCursor;
    }
    const [only, ...others] = matches;
    if (!only) this.error(`No ${lookup.noun} you can see has an id starting with ${given}.`, { exit: EXIT.notFound });
    if (others.length > 0) {
      const some = matches.length >= MAX_CANDIDATES ? 'at least ' : '';
      this.error(
        `The id ${given} fits ${some}${matches.length} ${lookup.noun}s: ${matches.join(', ')}. Give more of it.`,
        {
          exit: EXIT.badInput,
        },
      );
    }
    return only;
  }
}

/** What to do about a credential the API turned down, by where it came from. */
const REJECTED = {
  key: 'The API rejected the key in ATES_API_KEY: check it, or make a new one with `ates apikey create`.',
  token: 'The API rejected the token in ATES_TOKEN: its session ended, or it is not a token of this API.',
  session: 'Your session has expired or was revoked: log in again with `ates login`.',
};
