import { createRoute, z } from '@hono/zod-openapi';
import type { ApiDeps } from '../deps.ts';
import type { App } from '../http/env.ts';
import { requireEmployee } from '../http/guard.ts';
import { problemResponses } from '../http/problem.ts';

const ConsumerStatus = z
  .object({
    consumer: z.string().openapi({ example: 'accounting.ledger' }),
    queued: z.number().int().openapi({ description: 'Deliveries waiting, retrying or being applied' }),
    deadLetters: z.number().int(),
    oldestQueuedAt: z.string().nullable().openapi({
      description: 'When the oldest delivery still queued was queued',
      example: '2026-11-24T15:04:05.000Z',
    }),
    oldestQueuedSeconds: z.number().int().nullable().openapi({ description: 'Its age, in seconds' }),
  })
  .openapi('ConsumerStatus');

const Status = z
  .object({
    checkedAt: z.string().openapi({ example: '2026-11-24T15:04:05.000Z' }),
    bus: z.object({
      undispatched: z.number().int().openapi({ description: 'Committed batches of events not yet queued' }),
      deadLetters: z.number().int().openapi({ description: 'Dead letters of every consumer' }),
      consumers: z.array(ConsumerStatus),
    }),
  })
  .openapi('Status');

export type Status = z.infer<typeof Status>;

const status = createRoute({
  method: 'get',
  path: '/v1/status',
  tags: ['Operations'],
  summary: 'What the system is holding back (admin)',
  description:
    'Per bus consumer: deliveries queued, dead letters, and how long the oldest queued one has waited. `/ready` stays ' +
    'up with dead letters present; this is where an admin sees them.',
  responses: {
    200: { description: 'The status now', content: { 'application/json': { schema: Status } } },
    ...problemResponses(401, 403),
  },
});

export function registerStatusRoutes(app: App, { bus }: ApiDeps) {
  app.openapi(status, async (c) => {
    requireEmployee(c, 'admin');
    const now = Date.now();
    const { undispatched, consumers } = await bus.status();
    const items = consumers.map((consumer) => ({
      ...consumer,
      oldestQueuedSeconds:
        consumer.oldestQueuedAt === null
          ? null
          : Math.max(0, Math.floor((now - Date.parse(consumer.oldestQueuedAt)) / 1000)),
    }));
    const deadLetters = consumers.reduce((sum, consumer) => sum + consumer.deadLetters, 0);
    return c.json(
      { checkedAt: new Date(now).toISOString(), bus: { undispatched, deadLetters, consumers: items } },
      200,
    );
  });
}
