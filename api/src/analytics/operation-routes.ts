import { createRoute } from '@hono/zod-openapi';
import type { ApiDeps } from '../deps.ts';
import type { App } from '../http/env.ts';
import { allow } from '../http/guard.ts';
import { notFound, problemResponses } from '../http/problem.ts';
import { createRebuilds } from './rebuild.ts';
import { RebuildParams, RebuildSchema, VerificationSchema, VerifyQuery } from './schemas.ts';
import { verifyAgainstLedger } from './verify.ts';

const json = <T>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const tags = ['Analytics'];

const startRebuild = createRoute({
  method: 'post',
  path: '/v1/analytics/rebuild',
  operationId: 'startAnalyticsRebuild',
  ...allow('admin'),
  tags,
  summary: 'Rebuild the analytics store from the event log (admin)',
  description:
    'Empties the read side and replays every event it reads, in the background; follow it with ' +
    'GET /v1/analytics/rebuild/{id}. Reports stay available, and short, meanwhile. 409 while one runs.',
  responses: { 202: json(RebuildSchema, 'The rebuild, started'), ...problemResponses(401, 403, 409) },
});

const rebuildStatus = createRoute({
  method: 'get',
  path: '/v1/analytics/rebuild/{id}',
  operationId: 'getAnalyticsRebuild',
  ...allow('admin'),
  tags,
  summary: 'How far a rebuild has got (admin)',
  description:
    'Any API process answers for any rebuild: they are kept in Postgres. `done` of `total` events replayed, ' +
    '`rejected` skipped, and `resumed` take-overs by another process.',
  request: { params: RebuildParams },
  responses: { 200: json(RebuildSchema, 'The rebuild'), ...problemResponses(400, 401, 403, 404) },
});

const verify = createRoute({
  method: 'get',
  path: '/v1/analytics/verify',
  operationId: 'verifyAnalyticsAgainstLedger',
  ...allow('admin'),
  tags,
  summary: "Compare the analytics totals with the ledger's, day by day (admin)",
  description: 'Lists every business day whose fees or rewards differ, with both figures; at most 366 days.',
  request: { query: VerifyQuery },
  responses: { 200: json(VerificationSchema, 'The comparison'), ...problemResponses(400, 401, 403) },
});

export function registerOperationRoutes(app: App, deps: ApiDeps) {
  const rebuilds = createRebuilds(deps);
  app.openapi(startRebuild, async (c) => c.json(await rebuilds.start(), 202));
  app.openapi(rebuildStatus, async (c) => {
    const { id } = c.req.valid('param');
    const status = await rebuilds.get(id);
    if (!status) throw notFound(`No rebuild ${id}.`);
    return c.json(status, 200);
  });
  app.openapi(verify, async (c) =>
    c.json(await verifyAgainstLedger(deps.db, deps.analytics, c.req.valid('query')), 200),
  );
}
