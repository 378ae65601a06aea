import { z } from '@hono/zod-openapi';

export const ProcessStateSchema = z.object({
  id: z.string(),
  roles: z.array(z.enum(['api', 'workers'])),
  host: z.string(),
  pid: z.number().int(),
  apiUrl: z.string().nullable(),
  startedAt: z.string(),
  lastSeenAt: z.string(),
  live: z.boolean().openapi({ description: 'Renewed within the last 30 s; false for a process that died.' }),
});

export const ConsumerStateSchema = z
  .object({
    consumer: z.string().openapi({ example: 'accounting.ledger' }),
    queued: z.number().int().openapi({ description: 'Deliveries waiting, retrying or being applied.' }),
    retrying: z.number().int().openapi({ description: 'Of those, the ones that failed and wait for their next try.' }),
    deadLetters: z.number().int().openapi({ description: 'Deliveries that exhausted their retries.' }),
    oldestQueuedAt: z.string().nullable().openapi({
      description: 'When the oldest delivery still queued was queued: how far behind the consumer is.',
      example: '2026-11-24T15:04:05.000Z',
    }),
    oldestQueuedSeconds: z.number().int().nullable().openapi({ description: 'Its age, in seconds: the lag.' }),
  })
  .openapi('ConsumerStatus');

const example = {
  checkedAt: '2026-11-24T15:04:05.000Z',
  processes: [
    {
      id: '8f14e45f-ceea-4e7a-9c3b-1d2e3f4a5b6c',
      roles: ['api', 'workers'],
      host: 'ates-1',
      pid: 4242,
      apiUrl: 'http://127.0.0.1:4000',
      startedAt: '2026-11-24T08:00:00.000Z',
      lastSeenAt: '2026-11-24T15:04:05.000Z',
      live: true,
    },
  ],
  bus: {
    undispatched: 0,
    deadLetters: 0,
    consumers: [
      {
        consumer: 'accounting.ledger',
        queued: 0,
        retrying: 0,
        deadLetters: 0,
        oldestQueuedAt: null,
        oldestQueuedSeconds: null,
      },
    ],
  },
  lastClosedBusinessDay: '2026-11-23',
  rebuild: null,
} as const;

export const OperationsStateSchema = z
  .object({
    checkedAt: z.string(),
    processes: z.array(ProcessStateSchema),
    bus: z.object({
      undispatched: z.number().int().openapi({ description: 'Committed batches of events not yet queued.' }),
      deadLetters: z.number().int().openapi({ description: 'Dead letters of every consumer.' }),
      consumers: z.array(ConsumerStateSchema),
    }),
    lastClosedBusinessDay: z.string().nullable(),
    rebuild: z
      .object({ id: z.string(), state: z.enum(['running', 'done', 'failed']), done: z.number(), total: z.number() })
      .nullable()
      .openapi({ description: 'The newest analytics rebuild, if any.' }),
  })
  .openapi('Status', { example });

export type ProcessState = z.infer<typeof ProcessStateSchema>;
export type OperationsState = z.infer<typeof OperationsStateSchema>;
