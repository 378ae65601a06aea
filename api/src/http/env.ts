import type { Role } from '@ates/db/bus';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';

/** Who is calling: set by the identity middleware from a session, bearer token or API key. */
export interface CurrentEmployee {
  id: string;
  role: Role;
  email: string;
  fullName: string;
}

export interface AppEnv {
  Variables: {
    employee: CurrentEmployee | undefined;
    /** The Idempotency-Key step, set on /v1 for `allow()` to run once the caller may send the body. */
    idempotency: MiddlewareHandler<AppEnv> | undefined;
  };
}

export type App = OpenAPIHono<AppEnv>;
