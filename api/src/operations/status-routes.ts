import { createRoute } from '@hono/zod-openapi';
import type { ApiDeps } from '../deps.ts';
import type { App } from '../http/env.ts';
import { allow } from '../http/guard.ts';
import { problemResponses } from '../http/problem.ts';
import { OperationsStateSchema } from './schemas.ts';
import { readOperationsState } from './state.ts';

const status = createRoute({
  method: 'get',
  path: '/v1/status',
  operationId: 'getOperationsStatus',
  ...allow('admin'),
  tags: ['Operations'],
  summary: 'Where the installation stands: processes, consumer lag, dead letters, last close (admin)',
  description:
    'The same figures `/metrics` exports, for a person: `ates status` shows them at a glance. `/ready` stays up ' +
    'with dead letters present; this is where an admin sees them.',
  responses: {
    200: { description: 'The state', content: { 'application/json': { schema: OperationsStateSchema } } },
    ...problemResponses(401, 403),
  },
});

export function registerStatusRoutes(app: App, deps: ApiDeps) {
  app.openapi(status, async (c) => {
    return c.json(await readOperationsState(deps), 200);
  });
}
