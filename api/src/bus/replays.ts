import { createRoute, z } from '@hono/zod-openapi';
import type { ApiDeps } from '../deps.ts';
import type { App } from '../http/env.ts';
import { allow } from '../http/guard.ts';
import { problemResponses } from '../http/problem.ts';
import { assertConsumer, ConsumerName } from './consumers.ts';

const Replay = z
  .object({
    consumer: z.string(),
    from: z.string().nullable(),
    deliveries: z.number().int().openapi({ description: 'Deliveries queued: one per batch of the log.' }),
    events: z.number().int().openapi({ description: 'Events those batches hold, of every name.' }),
  })
  .openapi('Replay', { example: { consumer: 'accounting.ledger', from: null, deliveries: 42, events: 1_337 } });

export type Replay = z.infer<typeof Replay>;

const replay = createRoute({
  method: 'post',
  path: '/v1/bus/replays',
  operationId: 'replayEventLogToConsumer',
  ...allow('admin'),
  tags: ['Operations'],
  summary: 'Deliver the event log to a consumer once more (admin)',
  description:
    'Queues every batch of the log the consumer reads (published at or after `from`, if given) as a delivery its ' +
    'workers apply through its inbox: events it applied already are skipped, those it missed are applied, so a ' +
    'replay never moves money or sends a mail twice. Follow it in `GET /v1/status` until the consumer has nothing queued.',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.strictObject({
            consumer: ConsumerName,
            from: z.iso
              .datetime({ offset: true })
              .refine((text) => text >= '1970', 'must be in 1970 or later: the log holds nothing earlier')
              .optional()
              .openapi({ description: 'Only events published at or after this time', example: '2026-11-24T00:00:00Z' }),
          }),
        },
      },
    },
  },
  responses: {
    202: {
      description: 'Queued; the consumer applies it in the background',
      content: { 'application/json': { schema: Replay } },
    },
    ...problemResponses(400, 401, 403, 404),
  },
});

export function registerReplayRoutes(app: App, { bus }: ApiDeps) {
  app.openapi(replay, async (c) => {
    const { consumer, from } = c.req.valid('json');
    assertConsumer(consumer);
    const from_ = from === undefined ? null : new Date(from).toISOString();
    const queued = await bus.replayToConsumer(consumer, from_ === null ? {} : { from: from_ });
    return c.json({ consumer, from: from_, ...queued }, 202);
  });
}
