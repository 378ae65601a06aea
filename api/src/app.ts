import { OpenAPIHono } from '@hono/zod-openapi';
import { Scalar } from '@scalar/hono-api-reference';
import { registerAccountingRoutes } from './accounting/routes.ts';
import { registerAnalytics } from './analytics/index.ts';
import { registerDeadLetterRoutes } from './bus/dead-letters.ts';
import type { ApiDeps } from './deps.ts';
import { registerHealthRoutes } from './health.ts';
import type { App, AppEnv } from './http/env.ts';
import { notFound, onError, onValidationFailure } from './http/problem.ts';
import { registerIdentity } from './identity/index.ts';
import { registerTaskRoutes } from './tasks/routes.ts';
import { registerWebhooks } from './webhooks/index.ts';

/** The whole HTTP API: each context registers its routes; errors leave as problem+json. */
export function createApp(deps: ApiDeps): App {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: onValidationFailure });
  app.onError(onError);
  app.notFound((c) => {
    throw notFound(`No route ${c.req.method} ${c.req.path}.`);
  });
  registerIdentity(app, deps);
  registerHealthRoutes(app, deps);
  registerTaskRoutes(app, deps);
  registerAccountingRoutes(app, deps);
  registerAnalytics(app, deps);
  registerDeadLetterRoutes(app, deps);
  registerWebhooks(app, deps);
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'aTES API',
      version: '1.0.0',
      description: 'The Awesome Task Exchange System of UberPopug Inc.: tasks, accounting and analytics.',
    },
  });
  app.get('/docs', Scalar({ url: '/openapi.json', pageTitle: 'aTES API reference' }));
  return app;
}
