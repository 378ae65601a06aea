import { createHash } from 'node:crypto';
import type { Database } from '@ates/db';
import { claimKey, type IdempotencyClaim, keepAnswer, releaseKey, type StoredAnswer, touchClaim } from '@ates/db/http';
import type { Context, MiddlewareHandler } from 'hono';
import type { App, AppEnv } from './env.ts';
import { badRequest, conflict, PROBLEM_DESCRIPTIONS, unprocessable } from './problem.ts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
/** The methods that change state: every one of them takes a key, on every /v1 route. */
export const CHANGES_STATE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const KEY = /^[\x20-\x7e]{1,255}$/;
const LEASE_SECONDS = 30;
const HEARTBEAT_MS = 10_000;
/** How long a repeat waits for the request that holds its key before answering 409. */
const WAIT_MS = 10_000;
const POLL_MS = [20, 50, 100, 200, 250];
/** Answers that say the request never ran (refused at the door, or asked to come back later): not kept. */
const NOT_KEPT = new Set([400, 401, 403, 408, 413, 415, 429]);
/** Headers of the first answer a replay does not repeat. */
const NOT_REPLAYED = new Set(['content-length', 'date', 'set-cookie', 'transfer-encoding']);

/**
 * Stripe-style idempotent requests for every state-changing /v1 route, whoever registers it.
 * Mounted on /v1, this only hands the step to the route; `allow()` runs it after the caller's
 * credentials, role and body size were checked, so a body is read only for a caller who may send
 * it. A request without the header costs one header lookup. With it, the caller's key is claimed
 * in Postgres (shared by every API process) before the route runs, and the route's answer is kept
 * for replay when it finishes.
 */
export function idempotency(db: Database): MiddlewareHandler<AppEnv> {
  const underKey = underIdempotencyKey(db);
  return async (c, next) => {
    c.set('idempotency', underKey);
    await next();
  };
}

function underIdempotencyKey(db: Database): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header(IDEMPOTENCY_HEADER);
    const employee = c.get('employee');
    if (key === undefined || !employee || !CHANGES_STATE.has(c.req.method)) return next();
    if (!KEY.test(key)) {
      throw badRequest(`${IDEMPOTENCY_HEADER} must be 1 to 255 printable ASCII characters.`, {
        issues: [{ path: IDEMPOTENCY_HEADER, message: 'must be 1 to 255 printable ASCII characters' }],
      });
    }
    const hash = await requestHash(c);
    const request = { employeeId: employee.id, key, requestHash: hash, leaseSeconds: LEASE_SECONDS };
    const deadline = Date.now() + WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      const state = await claimKey(db, request);
      if (state.kind === 'claimed') return runClaimed(c, next, db, state.claim);
      if (state.kind === 'answered') return replay(c, state.answer);
      if (state.kind === 'other request') {
        throw unprocessable(`${IDEMPOTENCY_HEADER} ${key} was already used with another request.`);
      }
      if (Date.now() >= deadline) {
        throw conflict(`A request with ${IDEMPOTENCY_HEADER} ${key} is still running; ask again for its answer.`, {
          retryAfterSeconds: 1,
        });
      }
      await sleep(POLL_MS[Math.min(attempt, POLL_MS.length - 1)] ?? 250);
    }
  };
}

/** sha256 of method, path with query, and body: what makes a repeat the same request. */
async function requestHash(c: Context<AppEnv>): Promise<string> {
  const url = new URL(c.req.url);
  const body = await c.req.text();
  // The body is read here, once, through the body limit before this: the request goes on carrying
  // it again, with its length, so the validators after this see it as a client sent it.
  const headers = new Headers(c.req.raw.headers);
  headers.set('content-length', String(Buffer.byteLength(body)));
  c.req.raw = new Request(c.req.raw.url, {
    method: c.req.method,
    headers,
    body: body === '' ? undefined : body,
    signal: c.req.raw.signal,
  });
  return createHash('sha256').update(`${c.req.method} ${url.pathname}${url.search}\n`).update(body).digest('hex');
}

async function runClaimed(
  c: Context<AppEnv>,
  next: () => Promise<void>,
  db: Database,
  claim: IdempotencyClaim,
): Promise<void> {
  const heartbeat = setInterval(() => void touchClaim(db, claim).catch(() => {}), HEARTBEAT_MS);
  heartbeat.unref();
  try {
    await next();
  } catch (error) {
    await releaseKey(db, claim);
    throw error;
  } finally {
    clearInterval(heartbeat);
  }
  const { status } = c.res;
  if (status >= 500 || NOT_KEPT.has(status)) {
    await releaseKey(db, claim);
    return;
  }
  const headers: Record<string, string> = {};
  c.res.headers.forEach((value, name) => {
    if (!NOT_REPLAYED.has(name)) headers[name] = value;
  });
  await keepAnswer(db, claim, { status, headers, body: await c.res.clone().text() });
}

function replay(c: Context<AppEnv>, answer: StoredAnswer): Response {
  return c.body(answer.body, answer.status as 200, { ...answer.headers, [REPLAYED_HEADER]: 'true' });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type OpenApiDocument = ReturnType<App['getOpenAPI31Document']>;

/**
 * Adds the key to every state-changing /v1 operation of the document, as the middleware applies
 * it to every such route: one shared parameter, the replay header, and the problems it answers.
 */
export function describeIdempotency(document: OpenApiDocument): OpenApiDocument {
  const problem = (description: string) => ({
    description,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  });
  const replayed = { $ref: '#/components/headers/IdempotentReplayed' };
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (!path.startsWith('/v1/')) continue;
    for (const method of ['post', 'put', 'patch', 'delete'] as const) {
      const operation = item[method];
      if (!operation) continue;
      operation.parameters = [...(operation.parameters ?? []), { $ref: '#/components/parameters/IdempotencyKey' }];
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (status.startsWith('2') && !('$ref' in response)) {
          response.headers = { ...response.headers, [REPLAYED_HEADER]: replayed };
        }
      }
      operation.responses = {
        400: problem(PROBLEM_DESCRIPTIONS[400]),
        409: problem(`${PROBLEM_DESCRIPTIONS[409]} Or a request with this ${IDEMPOTENCY_HEADER} is still running.`),
        422: problem(PROBLEM_DESCRIPTIONS[422]),
        ...operation.responses,
      };
    }
  }
  document.components = {
    ...document.components,
    parameters: { ...document.components?.parameters, IdempotencyKey: KEY_PARAMETER },
    headers: {
      ...document.components?.headers,
      IdempotentReplayed: {
        description: `\`true\` on an answer replayed for a repeated ${IDEMPOTENCY_HEADER}; absent on the first.`,
        schema: { type: 'string', enum: ['true'] },
      },
    },
  };
  return document;
}

const KEY_PARAMETER = {
  name: IDEMPOTENCY_HEADER,
  in: 'header' as const,
  required: false,
  description:
    'Any unique string of 1 to 255 printable ASCII characters (a UUID v4 is best), fresh for each intended ' +
    'change. The first answer is kept for 24 hours for you and this key: a repeat with the same method, path ' +
    `and body replays it (marked \`${REPLAYED_HEADER}: true\`) and changes nothing again. The same key with ` +
    'another request is a 422. A repeat while the first still runs waits for its answer, or after 10 seconds ' +
    'is a 409 with `Retry-After`. Answers 400, 401, 403, 408, 413, 415, 429 and 5xx are not kept: a retry runs afresh.',
  schema: { type: 'string' as const, minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7e]{1,255}$' },
  example: '5b6c1e3a-8f0d-4b2e-9a71-2d4c6e8f0a13',
};
