import type { IncomingMessage } from 'node:http';
import { createRoute, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { App, AppEnv } from '../http/env.ts';
import { ApiError, notFound, problemResponses, TITLES } from '../http/problem.ts';
import { CLIENT_IP_HEADER } from './auth.ts';
import type { Identity } from './identity.ts';
import { asSignInAttempt } from './rate-limit.ts';
import { SignedInSchema, SignInSchema } from './schemas.ts';

/**
 * The better-auth endpoints a client of aTES needs. Everything else better-auth offers (self
 * sign-up, profile and email changes, its admin endpoints) would change an employee without an
 * Employee event, so it stays unreachable: the /v1/employees routes do those changes, and
 * POST /v1/me/password changes a password (clearing a reset's must-change flag with it).
 */
const FORWARDED = new Set([
  '/sign-out',
  '/get-session',
  '/list-sessions',
  '/revoke-session',
  '/revoke-sessions',
  '/revoke-other-sessions',
  '/ok',
]);

const signIn = createRoute({
  method: 'post',
  path: '/api/auth/sign-in/email',
  tags: ['Identity'],
  summary: 'Sign in with email and password',
  description:
    'Answers with a session token in the body and in the `set-auth-token` header: send it as ' +
    '`Authorization: Bearer …`. A session cookie is set too. At most ten attempts a minute per ' +
    'client and account, then 429. A deactivated employee gets 403.',
  request: { body: { content: { 'application/json': { schema: SignInSchema } }, required: true } },
  responses: {
    200: { description: 'Signed in', content: { 'application/json': { schema: SignedInSchema } } },
    ...problemResponses(400, 401, 403, 415, 429),
  },
});

export function registerAuthRoutes(app: App, identity: () => Promise<Identity>) {
  app.openapi(signIn, async (c) => {
    const body = c.req.valid('json');
    const response = await asSignInAttempt(body.email, () => forward(c, identity, JSON.stringify(body)));
    for (const [name, value] of response.headers) {
      if (name !== 'content-type' && name !== 'content-length') c.header(name, value, { append: true });
    }
    return c.json((await response.json()) as z.infer<typeof SignedInSchema>, 200);
  });
  app.on(['GET', 'POST'], '/api/auth/*', async (c) => {
    const path = c.req.path.slice('/api/auth'.length);
    if (!FORWARDED.has(path)) throw notFound(`No route ${c.req.method} ${c.req.path}.`);
    return forward(c, identity, c.req.method === 'GET' ? undefined : await c.req.raw.arrayBuffer());
  });
}

/** Hands the request to better-auth with the client's address; its errors become problem+json. */
async function forward(c: Context<AppEnv>, identity: () => Promise<Identity>, body: string | ArrayBuffer | undefined) {
  const headers = new Headers(c.req.raw.headers);
  headers.delete(CLIENT_IP_HEADER);
  headers.delete('content-length');
  const address = clientAddress(c);
  if (address) headers.set(CLIENT_IP_HEADER, address);
  // better-auth's CSRF check wants an Origin; a client without cookies (the CLI, an integration)
  // cannot be a CSRF victim and sends none, so it speaks for its own origin.
  if (!headers.has('origin') && !headers.has('cookie')) headers.set('origin', new URL(c.req.url).origin);
  const { auth } = await identity();
  const response = await auth.handler(new Request(c.req.url, { method: c.req.method, headers, body }));
  if (!response.ok) throw await asProblem(c, response);
  return response;
}

/** The peer of the socket; absent when the app is called in-process (`app.request()`). */
function clientAddress(c: Context<AppEnv>): string | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress;
}

async function asProblem(c: Context<AppEnv>, response: Response): Promise<ApiError> {
  const status = response.status as ContentfulStatusCode;
  const title = TITLES[status] ?? (response.statusText || 'Error');
  let payload: { message?: string; code?: string } = {};
  try {
    payload = JSON.parse(await response.text());
  } catch {}
  const retryAfter = response.headers.get('x-retry-after');
  if (retryAfter) c.header('retry-after', retryAfter);
  const extra = payload.code ? { code: payload.code } : {};
  return new ApiError(status, title, payload.message ?? title, extra);
}
