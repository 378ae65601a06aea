import type { Role } from '@ates/db/bus';
import type { OpenAPIHono } from '@hono/zod-openapi';

/** Who is calling: set by the identity middleware from a session, bearer token or API key. */
export interface CurrentEmployee {
  id: string;
  role: Role;
  email: string;
  fullName: string;
}

export interface AppEnv {
  Variables: { employee: CurrentEmployee | undefined };
}

export type App = OpenAPIHono<AppEnv>;
