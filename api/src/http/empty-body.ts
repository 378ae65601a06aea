import type { MiddlewareHandler } from 'hono';

/**
 * An empty body is no body, whatever its Content-Type says: an optional JSON body may be left
 * out by a client that always sends `content-type: application/json`, and a required one is
 * then refused for its missing fields rather than as malformed JSON.
 */
export const emptyBodyIsNoBody: MiddlewareHandler = async (c, next) => {
  const length = c.req.header('content-length');
  const empty = length === '0' || (length === undefined && c.req.header('transfer-encoding') === undefined);
  if (empty && c.req.header('content-type') !== undefined) {
    const headers = new Headers(c.req.raw.headers);
    headers.delete('content-type');
    c.req.raw = new Request(c.req.raw.url, { method: c.req.method, headers, signal: c.req.raw.signal });
  }
  await next();
};
