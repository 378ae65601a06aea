import { createRoute } from '@hono/zod-openapi';
import type { App } from '../http/env.ts';
import { requireEmployee } from '../http/guard.ts';
import { problemResponses } from '../http/problem.ts';
import { allowPermission } from './guard.ts';
import type { Identity } from './identity.ts';
import { EmployeeSchema } from './schemas.ts';

const me = createRoute({
  method: 'get',
  path: '/v1/me',
  ...allowPermission({ profile: ['read'] }),
  tags: ['Identity'],
  summary: 'Who you are signed in as',
  responses: {
    200: { description: 'You', content: { 'application/json': { schema: EmployeeSchema } } },
    ...problemResponses(401),
  },
});

export function registerMeRoutes(app: App, identity: Identity) {
  app.openapi(me, async (c) => {
    const { id } = requireEmployee(c);
    return c.json(await identity.employees.get(id), 200);
  });
}
