import { getCookies } from 'better-auth/cookies';
import type { Context, MiddlewareHandler } from 'hono';
import type { App, AppEnv, CurrentEmployee } from '../http/env.ts';
import { forbidden, unauthorized } from '../http/problem.ts';
import { isRole } from './access.ts';
import { type Auth, DEACTIVATED } from './auth.ts';
import type { Credential } from './credential-cache.ts';
import type { Identity } from './identity.ts';

interface UserRow {
  id: string;
  email: string;
  name: string;
  role?: string | null;
  banned?: boolean | null;
  mustChangePassword?: boolean | null;
}

/** The one /v1 route open to an employee who must change their password first. */
export const CHANGE_PASSWORD_PATH = '/v1/me/password';
const PASSWORD_CHANGE_REQUIRED = 'password-change-required';

export const API_KEY_HEADER = 'x-api-key';
/** better-auth's session cookie; other cookies a browser sends to this host are none of our business. */
const SESSION_COOKIE = /(?:^|;\s*)((?:__Secure-)?better-auth\.session_token)=([^;]*)/;
const BEARER = /^Bearer +(\S+)$/i;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Sets `c.var.employee` from the one credential the request presents: an `x-api-key` header,
 * else the `Authorization` header (a bearer token), else the session cookie. Only that
 * credential is verified, and only it is remembered: a bad bearer token is a 401 whatever
 * cookie comes with it. Credentials that do not hold (unknown, expired, revoked, past the
 * session's maximum age, or the employee deactivated) answer 401 at once. A state-changing
 * /v1 request carrying the cookie must come from the public URL's origin (403 otherwise).
 * An employee given a one-time password may only change it: any other /v1 request is a 403,
 * and their credentials are not remembered, so the change takes effect on the next request.
 */
export function authenticate(identity: Identity): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('employee', undefined);
    const credential = presented(c);
    if (credential !== undefined && !c.req.path.startsWith('/api/auth/')) {
      const { auth, credentials, settings } = identity;
      if (credential.kind === 'session-cookie') assertTrustedOrigin(c, settings.publicUrl);
      const cached = credentials.get(credential);
      if (cached) {
        c.set('employee', cached);
      } else {
        const generation = credentials.generation;
        const { employee, expiresAt, mustChangePassword } =
          credential.kind === 'api-key'
            ? await byApiKey(auth, credential.value)
            : await bySession(auth, credential, settings.sessionMaxAgeSeconds);
        if (mustChangePassword) assertChangingPassword(c.req.path);
        else credentials.set(credential, employee, generation, expiresAt);
        c.set('employee', employee);
      }
    }
    await next();
  };
}

type Scheme = 'apiKey' | 'bearerToken' | 'sessionCookie';
const anyOf = (...schemes: Scheme[]) => schemes.map((scheme) => ({ [scheme]: [] }));

/** The OpenAPI `security` of a route that takes any one credential. */
export const SIGNED_IN = anyOf('apiKey', 'bearerToken', 'sessionCookie');
/** The OpenAPI `security` of a route that takes a session's credentials only, not an API key. */
export const SIGNED_IN_SESSION = anyOf('bearerToken', 'sessionCookie');
/** The OpenAPI `security` of an open route: no credential, or one that holds (a bad one is a 401). */
export const OPEN = [{}, ...SIGNED_IN];

/** Describes the credentials `authenticate` takes as the OpenAPI document's security schemes. */
export function describeCredentials(app: App, auth: Auth) {
  const schemes = {
    apiKey: {
      type: 'apiKey',
      in: 'header',
      name: API_KEY_HEADER,
      description: 'An API key from POST /v1/api-keys: it acts as the employee who made it. Taken before any other.',
    },
    bearerToken: {
      type: 'http',
      scheme: 'bearer',
      description:
        'The signed session token POST /api/auth/sign-in/email answers (`token`, and the `set-auth-token` header).',
    },
    sessionCookie: {
      type: 'apiKey',
      in: 'cookie',
      name: getCookies(auth.options).sessionToken.name,
      description:
        'The session cookie sign-in sets, for a browser on this origin. A /v1 request that changes something ' +
        'and signs in with it must carry this installation’s `Origin` (403 otherwise).',
    },
  } as const satisfies Record<Scheme, object>;
  for (const [name, scheme] of Object.entries(schemes)) {
    app.openAPIRegistry.registerComponent('securitySchemes', name, scheme);
  }
}

function presented(c: Context<AppEnv>): Credential | undefined {
  const key = c.req.header(API_KEY_HEADER);
  if (key !== undefined) return { kind: 'api-key', value: key };
  const authorization = c.req.header('authorization');
  if (authorization !== undefined) {
    const token = BEARER.exec(authorization)?.[1];
    if (token === undefined) throw unauthorized('Send the token as `Authorization: Bearer <token>`.');
    return { kind: 'bearer', value: token };
  }
  const cookie = SESSION_COOKIE.exec(c.req.header('cookie') ?? '');
  return cookie ? { kind: 'session-cookie', value: `${cookie[1]}=${cookie[2]}` } : undefined;
}

/** A page on another site can make a browser send the cookie, but not forge its Origin. */
function assertTrustedOrigin(c: Context<AppEnv>, publicUrl: string) {
  if (SAFE_METHODS.has(c.req.method) || !c.req.path.startsWith('/v1/')) return;
  const origin = c.req.header('origin');
  if (origin !== publicUrl) {
    throw forbidden(
      `A request that changes something and signs in with the session cookie must come from ${publicUrl} ` +
        `(Origin: ${origin ?? 'none'}). Scripts send a bearer token or an API key instead.`,
    );
  }
}

interface Verified {
  employee: CurrentEmployee;
  expiresAt: Date | null;
  mustChangePassword: boolean;
}

function assertChangingPassword(path: string): void {
  if (!path.startsWith('/v1/') || path === CHANGE_PASSWORD_PATH) return;
  throw forbidden(
    'Your password was reset by an admin: change it before anything else (`ates password change`, or POST ' +
      `${CHANGE_PASSWORD_PATH}).`,
    { code: PASSWORD_CHANGE_REQUIRED },
  );
}

async function byApiKey(auth: Auth, key: string): Promise<Verified> {
  const verified = await auth.api.verifyApiKey({ body: { key } });
  if (!verified.valid || !verified.key) throw unauthorized('The API key is unknown, expired or revoked.');
  const { internalAdapter } = await auth.$context;
  const owner = (await internalAdapter.findUserById(verified.key.referenceId)) as UserRow | null;
  const { expiresAt } = verified.key;
  return {
    employee: toCurrent(owner ?? undefined),
    expiresAt: expiresAt ? new Date(expiresAt) : null,
    mustChangePassword: owner?.mustChangePassword === true,
  };
}

/** Asks better-auth about this credential alone: no other header reaches it. */
async function bySession(auth: Auth, credential: Credential, maxAgeSeconds: number): Promise<Verified> {
  const headers = new Headers(
    credential.kind === 'bearer' ? { authorization: `Bearer ${credential.value}` } : { cookie: credential.value },
  );
  const found = await auth.api.getSession({ headers });
  if (!found) throw unauthorized('The token is unknown, expired or revoked.');
  const ends = new Date(new Date(found.session.createdAt).getTime() + maxAgeSeconds * 1000);
  if (ends.getTime() <= Date.now()) throw unauthorized('The session has reached its maximum age: sign in again.');
  const expiresAt = new Date(found.session.expiresAt);
  const user = found.user as UserRow;
  return {
    employee: toCurrent(user),
    expiresAt: expiresAt < ends ? expiresAt : ends,
    mustChangePassword: user.mustChangePassword === true,
  };
}

function toCurrent(row: UserRow | undefined): CurrentEmployee {
  if (!row || row.banned === true) throw unauthorized(DEACTIVATED);
  if (!isRole(row.role)) throw unauthorized(`The employee has no valid role (${row.role}).`);
  return { id: row.id, email: row.email, fullName: row.name, role: row.role };
}
