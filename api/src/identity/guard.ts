import type { Context } from 'hono';
import type { AppEnv, CurrentEmployee } from '../http/env.ts';
import { allow, requireEmployee } from '../http/guard.ts';
import { forbidden } from '../http/problem.ts';
import { can, type Permissions, ROLES } from './access.ts';

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

/** Password changes go through better-auth's session endpoints: an API key cannot make them. */
export function requireSession(c: Context<AppEnv>, permissions: Permissions): CurrentEmployee {
  const employee = requirePermission(c, permissions);
  if (c.req.header('x-api-key') !== undefined) {
    throw forbidden('Passwords are changed from a signed-in session (`ates login`), not with an API key.');
  }
  return employee;
}
