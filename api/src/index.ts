export { getRequestListener, type ServerType, serve } from '@hono/node-server';
export { resumeAbandonedRebuilds } from './analytics/rebuild.ts';
export { createApp, DOCUMENT_PATH } from './app.ts';
export type { ApiDeps, ApiSettings } from './deps.ts';
export type { CurrentEmployee } from './http/env.ts';
export { loadAuthSecret } from './identity/auth-secret.ts';
export { ensureFirstAdmin, type FirstAdmin, FirstAdminError, hasEmployees } from './identity/first-admin.ts';
export { apiSettings, SettingsError } from './settings.ts';
