import { logger } from '@ates/db';
import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import type { ApiDeps } from './deps.ts';
import type { App } from './http/env.ts';
import { problemResponses } from './http/problem.ts';
import { OPEN } from './identity/authenticate.ts';

/** Only whether the store answers: its error messages name hosts, users and files, so they go to the log. */
const StoreStatus = z.object({ ok: z.boolean() }).openapi({ example: { ok: true } });
const Readiness = z
  .object({ ready: z.boolean(), postgres: StoreStatus, bus: StoreStatus, analytics: StoreStatus })
  .openapi('Readiness');

const health = createRoute({
  method: 'get',
  path: '/health',
  operationId: 'checkLiveness',
  security: OPEN,
  tags: ['Operations'],
  summary: 'Liveness: the process answers',
  description: 'Open to all; a credential that is sent must hold all the same (401).',
  responses: {
    200: {
      description: 'Alive',
      content: {
        'application/json': { schema: z.object({ status: z.literal('ok') }).openapi({ example: { status: 'ok' } }) },
      },
    },
    ...problemResponses(401),
  },
});

const ready = createRoute({
  method: 'get',
  path: '/ready',
  operationId: 'checkReadiness',
  security: OPEN,
  tags: ['Operations'],
  summary: 'Readiness: every store answers',
  description: 'Open to all; a credential that is sent must hold all the same (401).',
  responses: {
    200: { description: 'Every store answers', content: { 'application/json': { schema: Readiness } } },
    503: { description: 'A store does not answer', content: { 'application/json': { schema: Readiness } } },
    ...problemResponses(401),
  },
});

async function probe(store: string, check: () => Promise<unknown>): Promise<z.infer<typeof StoreStatus>> {
  try {
    await check();
    return { ok: true };
  } catch (error) {
    logger.warn({ err: error, store }, 'readiness probe failed');
    return { ok: false };
  }
}

export function registerHealthRoutes(app: App, { db, bus, analytics }: ApiDeps) {
  app.openapi(health, (c) => c.json({ status: 'ok' as const }, 200));
  app.openapi(ready, async (c) => {
    const [postgres, queue, store] = await Promise.all([
      probe('postgres', () => db.execute(sql`select 1`)),
      probe('bus', () => bus.boss.getQueues()),
      probe('analytics', () => analytics.query('SELECT 1 AS one')),
    ]);
    const body = { ready: postgres.ok && queue.ok && store.ok, postgres, bus: queue, analytics: store };
    return c.json(body, body.ready ? 200 : 503);
  });
}
