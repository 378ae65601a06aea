import type { Context } from 'hono';
import type { AppEnv, CurrentEmployee } from '../http/env.ts';
import { requireEmployee } from '../http/guard.ts';
import { forbidden } from '../http/problem.ts';
import { can, type Permissions } from './access.ts';

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
