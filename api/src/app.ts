import { OpenAPIHono } from '@hono/zod-openapi';
import { registerAccountingRoutes } from './accounting/routes.ts';
import { registerAnalytics } from './analytics/index.ts';
import { registerDeadLetterRoutes } from './bus/dead-letters.ts';
import { registerReplayRoutes } from './bus/replays.ts';
import type { ApiDeps } from './deps.ts';
import { registerHealthRoutes } from './health.ts';
import { emptyBodyIsNoBody } from './http/empty-body.ts';
import type { App, AppEnv } from './http/env.ts';
import { describeBodyProblems } from './http/guard.ts';
import { describeIdempotency, idempotency } from './http/idempotency.ts';
import { noRoute } from './http/method-not-allowed.ts';
import { onError, onValidationFailure } from './http/problem.ts';
import { registerReference } from './http/reference.ts';
import { registerIdentity } from './identity/index.ts';
import { acceptMetricsToken, createMetrics, measureRequests, registerMetrics } from './operations/metrics.ts';
import { registerStatusRoutes } from './operations/status-routes.ts';
import { registerTaskRoutes } from './tasks/routes.ts';
import { registerWebhooks } from './webhooks/index.ts';

export const DOCUMENT_PATH = '/openapi.json';

/** What the OpenAPI document says of itself; the operations come from the routes. */
const document = (publicUrl: string) => ({
  openapi: '3.1.0',
  info: {
    title: 'aTES API',
    version: '1.0.0',
    description: 'The Awesome Task Exchange System of UberPopug Inc.: tasks, accounting and analytics.',
    contact: { name: 'UberPopug Inc.', url: 'https://ates.popug.inc' },
    // aTES is UberPopug's own and licensed to nobody else. SPDX has no identifier for "proprietary"
    // (npm's `UNLICENSED` is not one), so it is a LicenseRef of our own, as SPDX provides.
    license: { name: 'Proprietary: UberPopug Inc. only', identifier: 'LicenseRef-UberPopug-Proprietary' },
  },
  servers: [{ url: publicUrl, description: 'This installation (ATES_PUBLIC_URL)' }],
  tags: [
    { name: 'Identity', description: 'Signing in, employees and their roles, API keys.' },
    { name: 'Tasks', description: 'Tasks: created, assigned at random, reassigned, completed.' },
    { name: 'Accounting', description: 'Balances, audit logs, the close of a business day and its payouts.' },
    { name: 'Analytics', description: 'Reports for management from the read side, and its upkeep.' },
    { name: 'Webhooks', description: 'Endpoints that receive every business event, signed; the event catalogue.' },
    { name: 'Operations', description: 'Health, readiness, metrics, the bus and its dead letters.' },
  ],
});

/** The whole HTTP API: each context registers its routes; errors leave as problem+json. */
export function createApp(deps: ApiDeps): App {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: onValidationFailure });
  app.onError(onError);
  app.notFound(noRoute(app));
  const metrics = createMetrics(deps);
  app.use('*', measureRequests(metrics));
  app.use('*', emptyBodyIsNoBody);
  app.use('/metrics', acceptMetricsToken(metrics));
  app.use('/v1/*', idempotency(deps.db));
  registerIdentity(app, deps);
  registerMetrics(app, metrics);
  registerHealthRoutes(app, deps);
  registerTaskRoutes(app, deps);
  registerAccountingRoutes(app, deps);
  registerAnalytics(app, deps);
  registerDeadLetterRoutes(app, deps);
  registerReplayRoutes(app, deps);
  registerStatusRoutes(app, deps);
  registerWebhooks(app, deps);
  app.get(DOCUMENT_PATH, (c) =>
    c.json(describeBodyProblems(describeIdempotency(app.getOpenAPI31Document(document(deps.settings.publicUrl))))),
  );
  registerReference(app, DOCUMENT_PATH);
  return app;
}
