import type { Role } from '@ates/db/bus';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ROLES } from '../identity/access.ts';
import { SIGNED_IN } from '../identity/authenticate.ts';
import type { App, AppEnv, CurrentEmployee } from './env.ts';
import { forbidden, PROBLEM_DESCRIPTIONS, payloadTooLarge, unauthorized } from './problem.ts';

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
 * and only then runs the Idempotency-Key step and the validators, the first to read the body.
 * The OpenAPI document lists the credentials it takes as `security` and the roles as `x-roles`.
 * `allow()` is every employee.
 */
export function allow(...roles: Role[]) {
  const guard: MiddlewareHandler<AppEnv> = async (c, next) => {
    requireEmployee(c, ...roles);
    await next();
  };
  return {
    middleware: [guard, limitBody(), underIdempotencyKey],
    security: SIGNED_IN,
    'x-roles': [...(roles.length > 0 ? roles : ROLES)],
  };
}

const underIdempotencyKey: MiddlewareHandler<AppEnv> = (c, next) => {
  const step = c.get('idempotency');
  return step ? step(c, next) : next();
};

/** A 413 problem for a body over `maxBytes`, told by its Content-Length before a byte is read. */
export function limitBody(maxBytes = BODY_LIMIT_BYTES): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw payloadTooLarge(`The body may be at most ${maxBytes} bytes.`);
    },
  });
}

type OpenApiDocument = ReturnType<App['getOpenAPI31Document']>;

/**
 * Every operation that takes a body may answer 413 (over the limit `allow()` enforces) and 415
 * (a body that is not JSON): said once here for the whole document, not route by route.
 */
export function describeBodyProblems(document: OpenApiDocument): OpenApiDocument {
  const problem = (status: 413 | 415) => ({
    description: PROBLEM_DESCRIPTIONS[status],
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  });
  for (const item of Object.values(document.paths ?? {})) {
    for (const operation of [item.post, item.put, item.patch, item.delete]) {
      if (!operation?.requestBody) continue;
      operation.responses = { 413: problem(413), 415: problem(415), ...operation.responses };
    }
  }
  return document;
}
