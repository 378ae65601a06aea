import type { App } from '../http/env.ts';
import { registerApiKeyRoutes } from './api-key-routes.ts';
import { registerAuthRoutes } from './auth-routes.ts';
import { authenticate, describeCredentials } from './authenticate.ts';
import { registerEmployeeRoutes } from './employee-routes.ts';
import type { IdentityDeps } from './employees.ts';
import { openIdentity } from './identity.ts';
import { registerMeRoutes } from './me-routes.ts';

/**
 * Mounts better-auth at /api/auth, installs the middleware that tells every later route who is
 * calling, and registers the identity routes. Register it before any other context's routes.
 */
export function registerIdentity(app: App, deps: IdentityDeps) {
  const identity = openIdentity(deps);
  app.use('*', authenticate(identity));
  describeCredentials(app, identity.auth);
  registerAuthRoutes(app, identity);
  registerMeRoutes(app, identity);
  registerEmployeeRoutes(app, identity);
  registerApiKeyRoutes(app, identity);
}
