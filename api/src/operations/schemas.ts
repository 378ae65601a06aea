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

export const ConsumerStateSchema = z.object({
  consumer: z.string(),
  queued: z.number().int().openapi({ description: 'Deliveries waiting, retries included.' }),
  retrying: z.number().int().openapi({ description: 'Deliveries that failed and wait for their next try.' }),
  oldestUnappliedSeconds: z
    .number()
    .openapi({ description: 'Age of the oldest delivery not applied yet: the lag; 0 when caught up.' }),
  deadLetters: z.number().int().openapi({ description: 'Deliveries that exhausted their retries.' }),
});

const example = {
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
  consumers: [{ consumer: 'accounting.ledger', queued: 0, retrying: 0, oldestUnappliedSeconds: 0, deadLetters: 0 }],
  outboxBatches: 0,
  lastClosedBusinessDay: '2026-11-23',
  rebuild: null,
} as const;

export const OperationsStateSchema = z
  .object({
    processes: z.array(ProcessStateSchema),
    consumers: z.array(ConsumerStateSchema),
    outboxBatches: z.number().int().openapi({ description: 'Committed event batches not yet queued.' }),
    lastClosedBusinessDay: z.string().nullable(),
    rebuild: z
      .object({ id: z.string(), state: z.enum(['running', 'done', 'failed']), done: z.number(), total: z.number() })
      .nullable()
      .openapi({ description: 'The newest analytics rebuild, if any.' }),
  })
  .openapi('OperationsStatus', { example });

export type ProcessState = z.infer<typeof ProcessStateSchema>;
export type ConsumerState = z.infer<typeof ConsumerStateSchema>;
export type OperationsState = z.infer<typeof OperationsStateSchema>;
