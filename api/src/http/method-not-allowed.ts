import type { Context } from 'hono';
import type { App } from './env.ts';
import { methodNotAllowed, notFound } from './problem.ts';

/**
 * Answers a request that no route took: a 405 naming the methods in `Allow` when the path has
 * routes under other methods, else a 404. It asks the app's own router, so both agree on what
 * a path matches; middleware (registered for every method) does not count as a route.
 */
export function noRoute(app: App) {
  return (c: Context): never => {
    const endpoints = new Set<unknown>(app.routes.filter((route) => route.method !== 'ALL'));
    const methods = [...new Set(app.routes.map((route) => route.method))].filter((method) => method !== 'ALL');
    const allowed = methods.filter((method) =>
      app.router.match(method, c.req.path)[0].some(([[, route]]) => endpoints.has(route)),
    );
    if (allowed.length === 0) throw notFound(`No route ${c.req.method} ${c.req.path}.`);
    if (allowed.includes('GET')) allowed.push('HEAD');
    c.header('allow', allowed.join(', '));
    throw methodNotAllowed(`${c.req.path} does not take ${c.req.method}; it takes ${allowed.join(', ')}.`);
  };
}
