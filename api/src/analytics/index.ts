import type { ApiDeps } from '../deps.ts';
import type { App } from '../http/env.ts';
import { requireEmployee } from '../http/guard.ts';
import { registerOperationRoutes } from './operation-routes.ts';
import { registerReportRoutes } from './report-routes.ts';

/**
 * The analytics context: reports and the read side's upkeep, admins only. The role is checked
 * before a request is validated, so nobody else learns anything from these routes, not even 400s.
 */
export function registerAnalytics(app: App, deps: ApiDeps) {
  for (const path of ['/v1/reports/*', '/v1/analytics/*']) {
    app.use(path, async (c, next) => {
      requireEmployee(c, 'admin');
      await next();
    });
  }
  registerReportRoutes(app, deps);
  registerOperationRoutes(app, deps);
}
