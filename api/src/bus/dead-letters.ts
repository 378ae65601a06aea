import { consumers } from '@ates/db/bus/topology';
import { createRoute, z } from '@hono/zod-openapi';
import type { ApiDeps } from '../deps.ts';
import type { App } from '../http/env.ts';
import { allow } from '../http/guard.ts';
import { notFound, problemResponses } from '../http/problem.ts';

const DeadLetter = z
  .object({
    id: z.string(),
    consumer: z.string().openapi({ example: 'accounting.ledger' }),
    failedAt: z.string().openapi({ example: '2026-11-24T15:04:05.000Z' }),
    events: z.array(z.object({ eventId: z.string(), eventName: z.string(), eventVersion: z.number().int() })),
  })
  .openapi('DeadLetter');

const ConsumerQuery = z.object({
  consumer: z
    .string()
    .optional()
    .openapi({ description: 'Only this consumer’s dead letters', example: 'accounting.ledger' }),
});

const list = createRoute({
  method: 'get',
  path: '/v1/dead-letters',
  ...allow('admin'),
  tags: ['Operations'],
  summary: 'Deliveries that failed all their retries (admin)',
  request: { query: ConsumerQuery },
  responses: {
    200: {
      description: 'Dead letters, oldest first',
      content: { 'application/json': { schema: z.object({ items: z.array(DeadLetter), nextCursor: z.null() }) } },
    },
    ...problemResponses(400, 401, 403, 404),
  },
});

const retry = createRoute({
  method: 'post',
  path: '/v1/dead-letters/retry',
  ...allow('admin'),
  tags: ['Operations'],
  summary: 'Send dead letters back to their consumer (admin)',
  request: {
    body: {
      content: {
        'application/json': {
          schema: z.strictObject({
            consumer: z.string().openapi({ example: 'accounting.ledger' }),
            ids: z
              .array(z.string())
              .min(1)
              .optional()
              .openapi({ description: 'Only these; all of the consumer’s when absent' }),
          }),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'How many went back to the queue',
      content: {
        'application/json': { schema: z.object({ retried: z.number().int() }).openapi({ example: { retried: 2 } }) },
      },
    },
    ...problemResponses(400, 401, 403, 404),
  },
});

function assertConsumer(name: string | undefined) {
  if (name !== undefined && !consumers.has(name)) {
    throw notFound(`No consumer ${name}; known: ${[...consumers.keys()].join(', ')}.`);
  }
}

export function registerDeadLetterRoutes(app: App, { bus }: ApiDeps) {
  app.openapi(list, async (c) => {
    const { consumer } = c.req.valid('query');
    assertConsumer(consumer);
    const letters = await bus.deadLetters(consumer);
    const items = letters.map(({ id, consumer, failedAt, events }) => ({ id, consumer, failedAt, events }));
    return c.json({ items, nextCursor: null }, 200);
  });
  app.openapi(retry, async (c) => {
    const { consumer, ids } = c.req.valid('json');
    assertConsumer(consumer);
    return c.json({ retried: await bus.retryDeadLetters(consumer, ids) }, 200);
  });
}
