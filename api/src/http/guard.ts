import type { Role } from '@ates/db';
import type { Context } from 'hono';
import type { AppEnv, CurrentEmployee } from './env.ts';
import { forbidden, unauthorized } from './problem.ts';

/** The caller, or a 401; with roles, a 403 unless the caller holds one of them. */
export function requireEmployee(c: Context<AppEnv>, ...roles: Role[]): CurrentEmployee {
  const employee = c.get('employee');
  if (!employee) throw unauthorized();
  if (roles.length > 0 && !roles.includes(employee.role)) {
    throw forbidden(`This needs the role ${roles.join(' or ')}; you are ${employee.role}.`);
  }
  return employee;
}
