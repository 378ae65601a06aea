import type { ApiDeps } from '../deps.ts';
import type { App } from '../http/env.ts';
import { registerOperationRoutes } from './operation-routes.ts';
import { registerReportRoutes } from './report-routes.ts';

/** The analytics context: reports and the read side's upkeep, admins only. */
export function registerAnalytics(app: App, deps: ApiDeps) {
  registerReportRoutes(app, deps);
  registerOperationRoutes(app, deps);
}

export { earningsByDay, topTasks } from './reports.ts';
