export { type ServerType, serve } from '@hono/node-server';
export { createApp } from './app.ts';
export type { ApiDeps } from './deps.ts';
export { ensureFirstAdmin, type FirstAdmin, FirstAdminError, hasEmployees } from './identity/first-admin.ts';
