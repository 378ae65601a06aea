import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Runtime, startRuntime } from '@ates/api/runtime';
import type { components, paths } from '@ates/cli/api';
import type { Role } from '@ates/db/bus';
import { createTestDatabase } from '@ates/db/testing';
import { inject } from 'vitest';

// biome-ignore lint/suspicious/noExplicitAny: what a route the API's document does not describe answers, read field by field
type Json = any;

/** A documented path as a test writes it: `/v1/tasks/{id}` is `/v1/tasks/${string}`. */
type Written<Template> = Template extends `${infer Head}{${string}}${infer Tail}`
  ? `${Head}${string}${Written<Tail>}`
  : Template;

/** Every documented path `path` fits, with or without a query string. */
type Fitting<Path extends string> = {
  [Key in keyof paths]: Path extends Written<Key> | `${Written<Key>}?${string}` ? Key : never;
}[keyof paths];

/** Of the paths that fit, the narrowest: `/v1/tasks/reassign` rather than `/v1/tasks/{id}`. */
type Narrowest<Key, All = Key> = Key extends unknown
  ? true extends (
      All extends unknown
        ? All extends Key
          ? false
          : Written<All> extends Written<Key>
            ? true
            : false
        : never
    )
    ? never
    : Key
  : never;

/** What a success of `method path` answers, as the API's document says; `Json` where it says nothing. */
type Answered<M extends string, Path extends string> = [Narrowest<Fitting<Path>>] extends [never]
  ? Json
  : string extends M
    ? Json
    : Success<Operation<Narrowest<Fitting<Path>>, Lowercase<M>>>;

type Operation<Key, M> = Key extends keyof paths ? (M extends keyof paths[Key] ? paths[Key][M] : never) : never;

type Success<Op> = Op extends { responses: infer Responses }
  ? {
      [Status in keyof Responses]: Status extends 200 | 201 | 202
        ? Responses[Status] extends { content: { 'application/json': infer Body } }
          ? Body
          : never
        : Status extends 204
          ? undefined
          : never;
    }[keyof Responses]
  : Json;

/** The fields of the problem a refusal answers instead of a success; a 400 lists what failed validation. */
type Problem = Partial<
  Pick<components['schemas']['Problem'], 'type' | 'title' | 'status' | 'detail'> & {
    issues: { path: string; message: string }[];
  }
>;

/** A success's body, with the fields of a problem it does not have itself beside them, to read on a refusal. */
type OrProblem<Body> = 0 extends 1 & Body
  ? Body
  : [Body] extends [undefined]
    ? Problem | undefined
    : Body & Omit<Problem, keyof Body>;

export interface SignedIn {
  id: string;
  email: string;
  password: string;
  role: Role;
  headers: Record<string, string>;
}

export interface TestStack {
  runtime: Runtime;
  apiUrl: string;
  home: string;
  admin: SignedIn;
  /**
   * Calls the real HTTP API; returns the status and the parsed body, typed by the API's document:
   * what a success of `method path` answers, with the fields of a problem (a refusal) beside it.
   * The request body is anything, so that tests can send what the API must refuse.
   */
  call<M extends string, Path extends string>(
    method: M,
    path: Path,
    options?: { as?: Pick<SignedIn, 'headers'>; body?: unknown },
  ): Promise<{ status: number; body: OrProblem<Answered<M, Path>>; headers: Headers }>;
  /** Creates an employee through the API (as the first admin) and signs them in. */
  signUp(role: Role, fullName?: string): Promise<SignedIn>;
  signIn(email: string, password: string): Promise<SignedIn>;
  /** Waits until every bus consumer has applied everything queued so far. */
  settle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const ADMIN = { email: 'admin@popug.inc', password: 'correct-horse-battery-staple', fullName: 'First Admin' };
let counter = 0;

/** The whole aTES stack on a fresh database, over real HTTP, as `ates server start` runs it. */
export async function startTestStack(options: { workers?: boolean; clickhouseUrl?: string } = {}): Promise<TestStack> {
  const home = await mkdtemp(join(tmpdir(), 'ates-stack-'));
  const databaseUrl = await createTestDatabase(inject('postgresUrl'));
  const runtime = await startRuntime({
    home,
    port: 0,
    databaseUrl,
    workers: options.workers ?? true,
    clickhouseUrl: options.clickhouseUrl,
    firstAdmin: ADMIN,
  });
  const apiUrl = runtime.apiUrl ?? '';

  const call: TestStack['call'] = async (method, path, { as, body } = {}) => {
    const headers: Record<string, string> = { ...(as?.headers ?? {}) };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: response.status, body: parsed as Json, headers: response.headers };
  };

  const signIn = async (email: string, password: string): Promise<SignedIn> => {
    const response = await fetch(`${apiUrl}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    const token = response.headers.get('set-auth-token');
    if (!response.ok || !token)
      throw new Error(`sign-in of ${email} failed: ${response.status} ${await response.text()}`);
    const headers = { authorization: `Bearer ${token}` };
    const me = await call('GET', '/v1/me', { as: { headers } });
    return { id: me.body.id, email, password, role: me.body.role, headers };
  };

  const admin = await signIn(ADMIN.email, ADMIN.password);

  const signUp = async (role: Role, fullName?: string): Promise<SignedIn> => {
    counter++;
    const email = `${role}${counter}-${process.pid}@popug.inc`;
    const password = `popug-password-${counter}`;
    const created = await call('POST', '/v1/employees', {
      as: admin,
      body: { email, fullName: fullName ?? `${role} ${counter}`, role, password },
    });
    if (created.status !== 201)
      throw new Error(`creating a ${role} failed: ${created.status} ${JSON.stringify(created.body)}`);
    return signIn(email, password);
  };

  const settle = (timeoutMs?: number) => runtime.bus.settle(undefined, timeoutMs);

  return {
    runtime,
    apiUrl,
    home,
    admin,
    call,
    signUp,
    signIn,
    settle,
    async stop() {
      await runtime.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}
