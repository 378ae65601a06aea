import type { Role } from '@ates/db';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ROLES } from '../identity/access.ts';
import type { AppEnv, CurrentEmployee } from './env.ts';
import { forbidden, payloadTooLarge, unauthorized } from './problem.ts';

/** The largest request body a route takes unless it declares more. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** The caller, or a 401; with roles, a 403 unless the caller holds one of them. */
export function requireEmployee(c: Context<AppEnv>, ...roles: Role[]): CurrentEmployee {
  const employee = c.get('employee');
  if (!employee) throw unauthorized();
  if (roles.length > 0 && !roles.includes(employee.role)) {
    throw forbidden(`This needs the role ${roles.join(' or ')}; you are ${employee.role}.`);
  }
  return employee;
}

/**
 * Who may call a route, spread into its `createRoute({ ... })`: the route's middleware refuses
 * anyone else (401 without credentials, 403 without the role), then a body over the limit (413),
 * before its validators read the body; the OpenAPI document lists the roles as `x-roles`.
 * `allow()` is every employee.
 */
export function allow(...roles: Role[]) {
  const guard: MiddlewareHandler<AppEnv> = async (c, next) => {
    requireEmployee(c, ...roles);
    await next();
  };
  return { middleware: [guard, limitBody()], 'x-roles': [...(roles.length > 0 ? roles : ROLES)] };
}

/** A 413 problem for a body over `maxBytes`, told by its Content-Length before a byte is read. */
export function limitBody(maxBytes = BODY_LIMIT_BYTES): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw payloadTooLarge(`The body may be at most ${maxBytes} bytes.`);
    },
  });
}
