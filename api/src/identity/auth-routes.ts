import { createRoute, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { clientAddress } from '../http/client-address.ts';
import type { App, AppEnv } from '../http/env.ts';
import { limitBody } from '../http/guard.ts';
import { ApiError, notFound, problemResponses, TITLES } from '../http/problem.ts';
import { CLIENT_IP_HEADER } from './auth.ts';
import type { Identity } from './identity.ts';
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
  operationId: 'signIn',
  // Credentials are not read on /api/auth: signing in is how one gets them.
  security: [],
  tags: ['Identity'],
  summary: 'Sign in with email and password',
  description:
    'Answers with a signed session token in the body and in the `set-auth-token` header: send it as ' +
    '`Authorization: Bearer …`. A session cookie is set too. Five failed attempts per account (from ' +
    'any address) and twenty per client address are free; after them each attempt waits a delay that ' +
    'doubles from 15 seconds up to 15 minutes: 429 with Retry-After meanwhile. A deactivated employee gets 403.',
  request: { body: { content: { 'application/json': { schema: SignInSchema } }, required: true } },
  responses: {
    200: { description: 'Signed in', content: { 'application/json': { schema: SignedInSchema } } },
    ...problemResponses(400, 401, 403, 415, 429),
  },
});

export function registerAuthRoutes(app: App, identity: Identity) {
  app.use('/api/auth/*', limitBody());
  app.openapi(signIn, async (c) => {
    const body = c.req.valid('json');
    const { signInLimit, settings } = identity;
    const address = clientAddress(c, settings.trustedProxies);
    const response = await signInLimit.attempt(body.email, address, () => forward(c, identity, JSON.stringify(body)));
    for (const [name, value] of response.headers) {
      if (name !== 'content-type' && name !== 'content-length') c.header(name, value, { append: true });
    }
    const signedIn = (await response.json()) as z.infer<typeof SignedInSchema>;
    // The body's token is the raw one the database keeps; only the signed one works as a bearer token.
    return c.json({ ...signedIn, token: response.headers.get('set-auth-token') ?? '' }, 200);
  });
  app.on(['GET', 'POST'], '/api/auth/*', async (c) => {
    const path = c.req.path.slice('/api/auth'.length);
    if (!FORWARDED.has(path)) throw notFound(`No route ${c.req.method} ${c.req.path}.`);
    return forward(c, identity, c.req.method === 'GET' ? undefined : await c.req.raw.arrayBuffer());
  });
}

/** Hands the request to better-auth with the client's address; its errors become problem+json. */
async function forward(c: Context<AppEnv>, identity: Identity, body: string | ArrayBuffer | undefined) {
  const { auth, settings } = identity;
  const headers = new Headers(c.req.raw.headers);
  headers.delete(CLIENT_IP_HEADER);
  headers.delete('content-length');
  const address = clientAddress(c, settings.trustedProxies);
  if (address) headers.set(CLIENT_IP_HEADER, address);
  // better-auth's CSRF check wants an Origin; a client without cookies (the CLI, an integration)
  // cannot be a CSRF victim and sends none, so it speaks for the public URL.
  if (!headers.has('origin') && !headers.has('cookie')) headers.set('origin', settings.publicUrl);
  const response = await auth.handler(new Request(c.req.url, { method: c.req.method, headers, body }));
  if (!response.ok) throw await asProblem(c, response);
  return response;
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
