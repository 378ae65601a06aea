import { eventCatalogue, latestVersion } from '@ates/db/bus';
import { createRoute } from '@hono/zod-openapi';
import type { App } from '../http/env.ts';
import { problemResponses } from '../http/problem.ts';
import { OPEN } from '../identity/authenticate.ts';
import { EventSchemaListSchema, json } from './schemas.ts';

const list = createRoute({
  method: 'get',
  path: '/v1/event-schemas',
  operationId: 'listEventSchemas',
  security: OPEN,
  tags: ['Webhooks'],
  summary: 'The JSON Schemas of every event and version webhooks carry (public)',
  description:
    'Deliveries carry the `current` version of each event; older versions are listed for events still ' +
    'in the log, which are upcast before they are sent. Open to all; a credential that is sent must hold all the same (401).',
  responses: {
    200: json(EventSchemaListSchema, 'The catalogue'),
    ...problemResponses(400, 401),
  },
});

export function registerEventSchemaRoutes(app: App) {
  const { envelope, events } = eventCatalogue();
  const items = events.map(({ name, version, schema }) => ({
    name,
    version,
    current: version === latestVersion(name),
    schema,
  }));
  app.openapi(list, (c) => c.json({ envelope, items, nextCursor: null }, 200));
}
