import type { Context } from 'hono';
import { PatternRouter } from 'hono/router/pattern-router';
import type { App } from './env.ts';
import { methodNotAllowed, notFound } from './problem.ts';

/**
 * Answers a request that no route took: a 405 naming the methods in `Allow` when the path has
 * routes under other methods, else a 404. The routes are read once, after all are registered.
 */
export function noRoute(app: App) {
  let routes: { router: PatternRouter<string>; methods: string[] } | undefined;
  return (c: Context): never => {
    routes ??= routesOf(app);
    const { router, methods } = routes;
    const allowed = methods.filter((method) => router.match(method, c.req.path)[0].length > 0);
    if (allowed.length === 0) throw notFound(`No route ${c.req.method} ${c.req.path}.`);
    if (allowed.includes('GET')) allowed.push('HEAD');
    c.header('allow', allowed.join(', '));
    throw methodNotAllowed(`${c.req.path} does not take ${c.req.method}; it takes ${allowed.join(', ')}.`);
  };
}

function routesOf(app: App) {
  const router = new PatternRouter<string>();
  const methods = new Set<string>();
  for (const { method, path } of app.routes) {
    if (method === 'ALL') continue;
    router.add(method, path, method);
    methods.add(method);
  }
  return { router, methods: [...methods] };
}
