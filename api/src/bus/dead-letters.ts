import type { DeadLetterCursor } from '@ates/db/bus';
import { createRoute, z } from '@hono/zod-openapi';
import type { ApiDeps } from '../deps.ts';
import type { App } from '../http/env.ts';
import { allow } from '../http/guard.ts';
import { badRequest, problemResponses } from '../http/problem.ts';
import { uuid } from '../http/text.ts';
import { assertConsumer, ConsumerName } from './consumers.ts';

const DeadLetter = z
  .object({
    id: z.string(),
    consumer: z.string().openapi({ example: 'accounting.ledger' }),
    failedAt: z.string().openapi({ example: '2026-11-24T15:04:05.000Z' }),
    attempts: z.number().int().openapi({ description: 'Attempts made; 1 for a poison event, which is never retried.' }),
    reason: z.string().nullable().openapi({ example: 'TaskAssigned v1: data.at is not a time the stores hold' }),
    events: z.array(
      z.object({
        eventId: z.string(),
        eventName: z.string(),
        eventVersion: z.number().int().nullable().openapi({ description: 'Null when the log holds no version.' }),
      }),
    ),
  })
  .openapi('DeadLetter');

export type DeadLetterItem = z.infer<typeof DeadLetter>;

/** `failedAt` to the microsecond and the id of a page's last dead letter. */
const CURSOR =
  /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

const ListQuery = z.object({
  consumer: ConsumerName.optional().openapi({ description: 'Only this consumer’s dead letters' }),
  cursor: z
    .string()
    .regex(CURSOR, 'must be the nextCursor of a previous page')
    .optional()
    .openapi({ description: 'The `nextCursor` of the previous page.' }),
  limit: z.coerce.number().int().min(1).max(1_000).default(100).openapi({ example: 100 }),
});

const Selection = z
  .strictObject({
    consumer: ConsumerName,
    ids: z
      .array(uuid())
      .min(1)
      .max(1_000)
      .optional()
      .openapi({ description: 'Only these dead letters; every one of the consumer’s when absent' }),
  })
  .openapi('DeadLetterSelection');

const selection = {
  content: { 'application/json': { schema: Selection } },
  required: true,
  description: 'Which consumer’s dead letters: `consumer` is required, there is no “all consumers”.',
};

const list = createRoute({
  method: 'get',
  path: '/v1/dead-letters',
  operationId: 'listDeadLetters',
  ...allow('admin'),
  tags: ['Operations'],
  summary: 'Deliveries that failed all their retries, and poison events (admin)',
  description:
    'Oldest first. A dead letter stays until it is retried or discarded: no retention drops it. A poison event (one ' +
    'the registry refuses, written around `publish`) is dead-lettered at once and alone; the events around it go on.',
  request: { query: ListQuery },
  responses: {
    200: {
      description: 'A page of dead letters, oldest first',
      content: {
        'application/json': { schema: z.object({ items: z.array(DeadLetter), nextCursor: z.string().nullable() }) },
      },
    },
    ...problemResponses(400, 401, 403, 404),
  },
});

const retry = createRoute({
  method: 'post',
  path: '/v1/dead-letters/retry',
  operationId: 'retryDeadLetters',
  ...allow('admin'),
  tags: ['Operations'],
  summary: 'Send dead letters back to their consumer (admin)',
  description: 'Each goes back to the consumer’s queue and is retried as a new delivery, through its inbox.',
  request: { body: selection },
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

const discard = createRoute({
  method: 'post',
  path: '/v1/dead-letters/discard',
  operationId: 'discardDeadLetters',
  ...allow('admin'),
  tags: ['Operations'],
  summary: 'Drop dead letters for good (admin)',
  description: 'Their events stay in the log: `POST /v1/bus/replays` can still deliver them later.',
  request: { body: selection },
  responses: {
    200: {
      description: 'How many were dropped',
      content: {
        'application/json': {
          schema: z.object({ discarded: z.number().int() }).openapi({ example: { discarded: 1 } }),
        },
      },
    },
    ...problemResponses(400, 401, 403, 404),
  },
});

function decodeCursor(cursor: string | undefined): DeadLetterCursor | undefined {
  const [, failedAt, id] = cursor?.match(CURSOR) ?? [];
  if (cursor === undefined) return undefined;
  if (!failedAt || !id || Number.isNaN(Date.parse(failedAt))) throw badRequest('cursor: not one this API gave out.');
  return { failedAt, id };
}

export function registerDeadLetterRoutes(app: App, { bus }: ApiDeps) {
  app.openapi(list, async (c) => {
    const { consumer, cursor, limit } = c.req.valid('query');
    assertConsumer(consumer);
    const page = await bus.deadLetters({ consumer, after: decodeCursor(cursor), limit });
    const items = page.letters.map(({ id, consumer, failedAt, attempts, reason, events }) => ({
      id,
      consumer,
      failedAt,
      attempts,
      reason,
      events,
    }));
    const nextCursor = page.next ? `${page.next.failedAt}_${page.next.id}` : null;
    return c.json({ items, nextCursor }, 200);
  });
  app.openapi(retry, async (c) => {
    const { consumer, ids } = c.req.valid('json');
    assertConsumer(consumer);
    return c.json({ retried: await bus.retryDeadLetters(consumer, ids) }, 200);
  });
  app.openapi(discard, async (c) => {
    const { consumer, ids } = c.req.valid('json');
    assertConsumer(consumer);
    return c.json({ discarded: await bus.discardDeadLetters(consumer, ids) }, 200);
  });
}
