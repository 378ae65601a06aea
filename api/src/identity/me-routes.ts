import { createRoute } from '@hono/zod-openapi';
import type { App } from '../http/env.ts';
import { problemResponses } from '../http/problem.ts';
import { requirePermission } from './guard.ts';
import type { Identity } from './identity.ts';
import { EmployeeSchema } from './schemas.ts';

const me = createRoute({
  method: 'get',
  path: '/v1/me',
  tags: ['Identity'],
  summary: 'Who you are signed in as',
  responses: {
    200: { description: 'You', content: { 'application/json': { schema: EmployeeSchema } } },
    ...problemResponses(401),
  },
});

export function registerMeRoutes(app: App, identity: () => Promise<Identity>) {
  app.openapi(me, async (c) => {
    const { id } = requirePermission(c, { profile: ['read'] });
    return c.json(await (await identity()).employees.get(id), 200);
  });
}
