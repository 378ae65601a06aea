import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv, CurrentEmployee } from '../http/env.ts';
import { allow, requireEmployee } from '../http/guard.ts';
import { forbidden } from '../http/problem.ts';
import { can, type Permissions, ROLES } from './access.ts';
import { API_KEY_HEADER, SIGNED_IN_SESSION } from './authenticate.ts';

/** `allow()` for the roles whose access-control statements grant every permission asked for. */
export function allowPermission(permissions: Permissions) {
  const roles = ROLES.filter((role) => can(role, permissions));
  if (roles.length === 0) throw new Error(`no role has ${JSON.stringify(permissions)}`);
  return allow(...roles);
}

/** The caller, or a 401; a 403 unless the caller's role grants every permission asked for. */
export function requirePermission(c: Context<AppEnv>, permissions: Permissions): CurrentEmployee {
  const employee = requireEmployee(c);
  if (!can(employee.role, permissions)) {
    const wanted = Object.entries(permissions)
      .flatMap(([resource, actions]) => (Array.isArray(actions) ? actions : []).map((a) => `${resource}:${a}`))
      .join(', ');
    throw forbidden(`This needs the permission ${wanted}, which the role ${employee.role} does not have.`);
  }
  return employee;
}

/**
 * `allowPermission` for a signed-in session only: passwords are changed through better-auth's
 * session endpoints, which an API key cannot reach, so a request with one is a 403.
 */
export function allowSession(permissions: Permissions) {
  const allowed = allowPermission(permissions);
  const noApiKey: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (c.req.header(API_KEY_HEADER) !== undefined) {
      throw forbidden('Passwords are changed from a signed-in session (`ates login`), not with an API key.');
    }
    await next();
  };
  return { ...allowed, middleware: [noApiKey, ...allowed.middleware], security: SIGNED_IN_SESSION };
}
