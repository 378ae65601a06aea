import { createRoute } from '@hono/zod-openapi';
import type { App } from '../http/env.ts';
import { requireEmployee } from '../http/guard.ts';
import { problemResponses } from '../http/problem.ts';
import { allowPermission } from './guard.ts';
import type { Identity } from './identity.ts';
import { ApiKeyListSchema, CreatedApiKeySchema, IdParams, NewApiKeySchema } from './schemas.ts';

const create = createRoute({
  method: 'post',
  path: '/v1/api-keys',
  operationId: 'createApiKey',
  ...allowPermission({ apiKey: ['create'] }),
  tags: ['Identity'],
  summary: 'Create an API key for an integration',
  description:
    'The key acts as you, with your role: send it as the `x-api-key` header. It is shown in this answer ' +
    'only; aTES keeps a hash.',
  request: { body: { content: { 'application/json': { schema: NewApiKeySchema } }, required: true } },
  responses: {
    201: { description: 'The key', content: { 'application/json': { schema: CreatedApiKeySchema } } },
    ...problemResponses(400, 401, 403, 415),
  },
});

const list = createRoute({
  method: 'get',
  path: '/v1/api-keys',
  operationId: 'listApiKeys',
  ...allowPermission({ apiKey: ['list'] }),
  tags: ['Identity'],
  summary: 'List your API keys',
  description: 'Only your own. Each shows its first characters (`start`), never the key itself.',
  responses: {
    200: { description: 'Your keys, oldest first', content: { 'application/json': { schema: ApiKeyListSchema } } },
    ...problemResponses(401, 403),
  },
});

const revoke = createRoute({
  method: 'delete',
  path: '/v1/api-keys/{id}',
  operationId: 'revokeApiKey',
  ...allowPermission({ apiKey: ['revoke'] }),
  tags: ['Identity'],
  summary: 'Revoke one of your API keys',
  description: 'It stops working at once.',
  request: { params: IdParams },
  responses: { 204: { description: 'Revoked' }, ...problemResponses(400, 401, 403, 404) },
});

export function registerApiKeyRoutes(app: App, identity: Identity) {
  app.openapi(create, async (c) => {
    const { id } = requireEmployee(c);
    return c.json(await identity.apiKeys.create(id, c.req.valid('json')), 201);
  });
  app.openapi(list, async (c) => {
    const { id } = requireEmployee(c);
    return c.json({ items: await identity.apiKeys.list(id), nextCursor: null }, 200);
  });
  app.openapi(revoke, async (c) => {
    const { id } = requireEmployee(c);
    await identity.apiKeys.revoke(id, c.req.valid('param').id);
    return c.body(null, 204);
  });
}
