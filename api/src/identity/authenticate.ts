import type { MiddlewareHandler } from 'hono';
import type { AppEnv, CurrentEmployee } from '../http/env.ts';
import { forbidden, unauthorized } from '../http/problem.ts';
import { isRole } from './access.ts';
import { type Auth, DEACTIVATED } from './auth.ts';
import type { CredentialCache } from './credential-cache.ts';
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

/** better-auth's session cookie; other cookies a browser sends to this host are none of our business. */
const SESSION_COOKIE = /(?:^|;\s*)(?:__Secure-)?better-auth\.session_token=/;

/**
 * Sets `c.var.employee` from an `x-api-key` header, a bearer token or a session cookie.
 * Credentials that were sent but do not hold (unknown, expired, revoked, or the employee
 * deactivated) answer 401 at once rather than passing the request on as anonymous. Verified
 * credentials are remembered in `cache`, which forgets them all after any identity change.
 * An employee given a one-time password may only change it: any other /v1 request is a 403,
 * and their credentials are not remembered, so the change takes effect on the next request.
 */
export function authenticate(identity: () => Promise<Identity>, cache: CredentialCache): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('employee', undefined);
    const key = c.req.header('x-api-key');
    const cookie = c.req.header('cookie') ?? '';
    const credential = key ?? c.req.header('authorization') ?? (SESSION_COOKIE.test(cookie) ? cookie : undefined);
    if (c.req.path.startsWith('/api/auth/') || credential === undefined) {
      await next();
    } else {
      const cached = cache.get(credential);
      if (cached) {
        c.set('employee', cached);
      } else {
        const { auth } = await identity();
        const { employee, expiresAt, mustChangePassword } =
          key === undefined ? await bySession(auth, c.req.raw.headers) : await byApiKey(auth, key);
        if (mustChangePassword) assertChangingPassword(c.req.path);
        else cache.set(credential, employee, expiresAt);
        c.set('employee', employee);
      }
      await next();
    }
    await cache.afterRequest(c);
  };
}

interface Verified {
  employee: CurrentEmployee;
  expiresAt: Date | string | null | undefined;
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
  return {
    employee: toCurrent(owner ?? undefined),
    expiresAt: verified.key.expiresAt,
    mustChangePassword: owner?.mustChangePassword === true,
  };
}

async function bySession(auth: Auth, headers: Headers): Promise<Verified> {
  const session = await auth.api.getSession({ headers });
  if (!session) throw unauthorized('The token is unknown, expired or revoked.');
  const user = session.user as UserRow;
  return {
    employee: toCurrent(user),
    expiresAt: session.session.expiresAt,
    mustChangePassword: user.mustChangePassword === true,
  };
}

function toCurrent(row: UserRow | undefined): CurrentEmployee {
  if (!row || row.banned === true) throw unauthorized(DEACTIVATED);
  if (!isRole(row.role)) throw unauthorized(`The employee has no valid role (${row.role}).`);
  return { id: row.id, email: row.email, fullName: row.name, role: row.role };
}
