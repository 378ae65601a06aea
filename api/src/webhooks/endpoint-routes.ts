import { createRoute } from '@hono/zod-openapi';
import type { App } from '../http/env.ts';
import { allow, requireEmployee } from '../http/guard.ts';
import { problemResponses } from '../http/problem.ts';
import {
  EndpointListSchema,
  EndpointParams,
  EndpointSchema,
  EndpointWithSecretSchema,
  json,
  NewEndpointBody,
} from './schemas.ts';
import {
  createEndpoint,
  getEndpoint,
  listEndpoints,
  removeEndpoint,
  rotateSecret,
  setEnabled,
  type WebhookDeps,
} from './service.ts';

const tags = ['Webhooks'];

const create = createRoute({
  method: 'post',
  path: '/v1/webhooks',
  operationId: 'createWebhookEndpoint',
  ...allow('admin'),
  tags,
  summary: 'Register a webhook endpoint (admin)',
  description:
    'aTES POSTs every event the endpoint subscribes to, signed by the Standard Webhooks scheme. The signing ' +
    'secret is in this answer only. The URL must be https and, unless the operator allowed its host ' +
    '(`ATES_WEBHOOK_ALLOW_HOSTS`), resolve to public addresses only.',
  request: { body: { content: { 'application/json': { schema: NewEndpointBody } }, required: true } },
  responses: {
    201: json(EndpointWithSecretSchema, 'The endpoint and its signing secret'),
    ...problemResponses(400, 401, 403),
  },
});

const list = createRoute({
  method: 'get',
  path: '/v1/webhooks',
  operationId: 'listWebhookEndpoints',
  ...allow('admin'),
  tags,
  summary: 'List webhook endpoints, oldest first (admin)',
  description: 'Every endpoint, whatever its status, without its signing secret.',
  responses: { 200: json(EndpointListSchema, 'Every endpoint'), ...problemResponses(401, 403) },
});

const show = createRoute({
  method: 'get',
  path: '/v1/webhooks/{id}',
  operationId: 'getWebhookEndpoint',
  ...allow('admin'),
  tags,
  summary: 'Show one webhook endpoint (admin)',
  description: 'Its URL, events, status and secret rotation, without the secret itself.',
  request: { params: EndpointParams },
  responses: { 200: json(EndpointSchema, 'The endpoint'), ...problemResponses(400, 401, 403, 404) },
});

const action = (verb: 'enable' | 'disable', summary: string, description: string) =>
  createRoute({
    method: 'post',
    path: `/v1/webhooks/{id}/${verb}`,
    operationId: `${verb}WebhookEndpoint`,
    ...allow('admin'),
    tags,
    summary,
    description,
    request: { params: EndpointParams },
    responses: { 200: json(EndpointSchema, 'The endpoint'), ...problemResponses(400, 401, 403, 404) },
  });

const enable = action(
  'enable',
  'Send to an endpoint again, and forget its failures (admin)',
  'A `failing` endpoint gets the whole retry window again. Events published while it was off are not sent: ' +
    'replay them (POST /v1/webhooks/{id}/replay).',
);
const disable = action(
  'disable',
  'Stop sending to an endpoint; its new events are not queued (admin)',
  'Deliveries already queued wait until it is enabled again.',
);

const rotate = createRoute({
  method: 'post',
  path: '/v1/webhooks/{id}/rotate-secret',
  operationId: 'rotateWebhookSecret',
  ...allow('admin'),
  tags,
  summary: 'Give an endpoint a new signing secret; the old one signs too for 24 hours (admin)',
  description:
    'The new secret is in this answer only. For 24 hours deliveries carry a signature by each secret, so ' +
    'the receiver can switch to the new one meanwhile.',
  request: { params: EndpointParams },
  responses: {
    200: json(EndpointWithSecretSchema, 'The endpoint and its new secret'),
    ...problemResponses(400, 401, 403, 404),
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/v1/webhooks/{id}',
  operationId: 'removeWebhookEndpoint',
  ...allow('admin'),
  tags,
  summary: 'Remove an endpoint with its deliveries (admin)',
  description: 'Nothing more is sent to it, not even deliveries still pending; its delivery history goes too.',
  request: { params: EndpointParams },
  responses: { 204: { description: 'Removed' }, ...problemResponses(400, 401, 403, 404) },
});

export function registerEndpointRoutes(app: App, deps: WebhookDeps) {
  app.openapi(create, async (c) =>
    c.json(await createEndpoint(deps, requireEmployee(c, 'admin').id, c.req.valid('json')), 201),
  );
  app.openapi(list, async (c) => c.json({ items: await listEndpoints(deps.db), nextCursor: null }, 200));
  app.openapi(show, async (c) => c.json(await getEndpoint(deps.db, c.req.valid('param').id), 200));
  app.openapi(enable, async (c) => c.json(await setEnabled(deps.db, c.req.valid('param').id, true), 200));
  app.openapi(disable, async (c) => c.json(await setEnabled(deps.db, c.req.valid('param').id, false), 200));
  app.openapi(rotate, async (c) => c.json(await rotateSecret(deps.db, c.req.valid('param').id), 200));
  app.openapi(remove, async (c) => {
    await removeEndpoint(deps.db, c.req.valid('param').id);
    return c.body(null, 204);
  });
}
