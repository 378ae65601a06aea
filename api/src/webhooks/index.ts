import { webhookSettings } from '@ates/db/webhooks';
import type { ApiDeps } from '../deps.ts';
import type { App } from '../http/env.ts';
import { registerDeliveryRoutes } from './delivery-routes.ts';
import { registerEndpointRoutes } from './endpoint-routes.ts';
import { registerEventSchemaRoutes } from './event-schema-routes.ts';

/**
 * Webhook management is for admins only (each route says so, checked before it reads its input);
 * the event catalogue is public, like the OpenAPI document.
 */
export function registerWebhooks(app: App, { db, bus }: ApiDeps) {
  const deps = { db, bus, settings: webhookSettings() };
  registerEndpointRoutes(app, deps);
  registerDeliveryRoutes(app, deps);
  registerEventSchemaRoutes(app);
}
