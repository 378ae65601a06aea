import type { MiddlewareHandler } from 'hono';
import type { AppEnv, CurrentEmployee } from '../http/env.ts';
import { unauthorized } from '../http/problem.ts';
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
}

/** better-auth's session cookie; other cookies a browser sends to this host are none of our business. */
const SESSION_COOKIE = /(?:^|;\s*)(?:__Secure-)?better-auth\.session_token=/;

/**
 * Sets `c.var.employee` from an `x-api-key` header, a bearer token or a session cookie.
 * Credentials that were sent but do not hold (unknown, expired, revoked, or the employee
 * deactivated) answer 401 at once rather than passing the request on as anonymous. Verified
 * credentials are remembered in `cache`, which forgets them all after any identity change.
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
        const { employee, expiresAt } =
          key === undefined ? await bySession(auth, c.req.raw.headers) : await byApiKey(auth, key);
        cache.set(credential, employee, expiresAt);
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
}

async function byApiKey(auth: Auth, key: string): Promise<Verified> {
  const verified = await auth.api.verifyApiKey({ body: { key } });
  if (!verified.valid || !verified.key) throw unauthorized('The API key is unknown, expired or revoked.');
  const { internalAdapter } = await auth.$context;
  const owner = await internalAdapter.findUserById(verified.key.referenceId);
  return { employee: toCurrent((owner ?? undefined) as UserRow | undefined), expiresAt: verified.key.expiresAt };
}

async function bySession(auth: Auth, headers: Headers): Promise<Verified> {
  const session = await auth.api.getSession({ headers });
  if (!session) throw unauthorized('The token is unknown, expired or revoked.');
  return { employee: toCurrent(session.user), expiresAt: session.session.expiresAt };
}

function toCurrent(row: UserRow | undefined): CurrentEmployee {
  if (!row || row.banned === true) throw unauthorized(DEACTIVATED);
  if (!isRole(row.role)) throw unauthorized(`The employee has no valid role (${row.role}).`);
  return { id: row.id, email: row.email, fullName: row.name, role: row.role };
}
