import { createRoute } from '@hono/zod-openapi';
import type { App } from '../http/env.ts';
import { allow } from '../http/guard.ts';
import { problemResponses } from '../http/problem.ts';
import {
  DeliveryListQuery,
  DeliveryListSchema,
  DeliveryParams,
  DeliverySchema,
  EndpointParams,
  json,
  ReplayBody,
  ReplayResultSchema,
} from './schemas.ts';
import { getDelivery, listDeliveries, ping, redeliver, replay, type WebhookDeps } from './service.ts';

const tags = ['Webhooks'];

const list = createRoute({
  method: 'get',
  path: '/v1/webhooks/{id}/deliveries',
  operationId: 'listWebhookDeliveries',
  ...allow('admin'),
  tags,
  summary: 'An endpoint’s deliveries with every attempt, newest first (admin)',
  description:
    '`failed=true` keeps those that failed at least once and are not delivered. 404 for an unknown endpoint.',
  request: { params: EndpointParams, query: DeliveryListQuery },
  responses: { 200: json(DeliveryListSchema, 'A page of deliveries'), ...problemResponses(400, 401, 403, 404) },
});

const show = createRoute({
  method: 'get',
  path: '/v1/webhook-deliveries/{id}',
  operationId: 'getWebhookDelivery',
  ...allow('admin'),
  tags,
  summary: 'Show one delivery with every attempt (admin)',
  description: 'Its event, status, next attempt and every attempt made, with the status and start of each answer.',
  request: { params: DeliveryParams },
  responses: { 200: json(DeliverySchema, 'The delivery'), ...problemResponses(400, 401, 403, 404) },
});

const again = createRoute({
  method: 'post',
  path: '/v1/webhook-deliveries/{id}/redeliver',
  operationId: 'redeliverWebhookDelivery',
  ...allow('admin'),
  tags,
  summary: 'Send a delivery again now, with a fresh retry window (admin)',
  description: '409 when its endpoint is not enabled.',
  request: { params: DeliveryParams },
  responses: { 202: json(DeliverySchema, 'The delivery, queued'), ...problemResponses(400, 401, 403, 404, 409) },
});

const resend = createRoute({
  method: 'post',
  path: '/v1/webhooks/{id}/replay',
  operationId: 'replayWebhookEvents',
  ...allow('admin'),
  tags,
  summary: 'Send again every event since a time that the endpoint subscribes to (admin)',
  description: 'Read from the event log, at each event’s current version, with its own `webhook-id`.',
  request: {
    params: EndpointParams,
    body: { content: { 'application/json': { schema: ReplayBody } }, required: true },
  },
  responses: { 202: json(ReplayResultSchema, 'How many were queued'), ...problemResponses(400, 401, 403, 404, 409) },
});

const test = createRoute({
  method: 'post',
  path: '/v1/webhooks/{id}/ping',
  operationId: 'pingWebhookEndpoint',
  ...allow('admin'),
  tags,
  summary: 'Send a `webhook.ping` test message to an endpoint (admin)',
  description:
    'Signed and retried like any delivery, with an `event_name` of `webhook.ping`. 409 when the endpoint ' +
    'is not enabled.',
  request: { params: EndpointParams },
  responses: { 202: json(DeliverySchema, 'The ping’s delivery, queued'), ...problemResponses(400, 401, 403, 404, 409) },
});

export function registerDeliveryRoutes(app: App, deps: WebhookDeps) {
  app.openapi(list, async (c) =>
    c.json(await listDeliveries(deps.db, c.req.valid('param').id, c.req.valid('query')), 200),
  );
  app.openapi(show, async (c) => c.json(await getDelivery(deps.db, c.req.valid('param').id), 200));
  app.openapi(again, async (c) => c.json(await redeliver(deps, c.req.valid('param').id), 202));
  app.openapi(resend, async (c) =>
    c.json({ queued: await replay(deps, c.req.valid('param').id, c.req.valid('json').from) }, 202),
  );
  app.openapi(test, async (c) => c.json(await ping(deps, c.req.valid('param').id), 202));
}
