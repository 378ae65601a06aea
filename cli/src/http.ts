/**
 * The `fetch` the API client sends its requests with: node:http(s), one request and its answer
 * read whole. A CLI command makes a request or two and exits, and node:http starts in a fraction
 * of the time fetch's undici dispatcher takes to set up (see docs/decisions/0008-typed-api-client.md).
 * `process.getBuiltinModule` rather than an `import`: the ESM face of node:http reads every one of
 * its exports, and one of them loads undici whole.
 */
export async function httpFetch(request: Request): Promise<Response> {
  const { request: send } = process.getBuiltinModule(request.url.startsWith('https:') ? 'node:https' : 'node:http');
  const body = (await request.text()) || undefined;
  const attempt = () =>
    new Promise<Response>((resolve, reject) => {
      const unreachable = (error: unknown) => reject(new Unreachable(request.url, { cause: error }));
      const outgoing = send(
        request.url,
        { method: request.method, headers: Object.fromEntries(request.headers) },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', unreachable);
          incoming.on('end', () => {
            const status = incoming.statusCode ?? 0;
            const headers = pairs(incoming.rawHeaders);
            // Decoded here: the bundle's Response (fetch-api.ts) reads bytes one by one, as Latin-1.
            const text = NO_BODY.has(status) ? null : Buffer.concat(chunks).toString('utf8');
            resolve(new Response(text, { status, headers }));
          });
        },
      );
      outgoing.on('error', unreachable);
      outgoing.end(body);
    });
  // A connection that drops before the answer is in may have changed something: sent again with
  // the same Idempotency-Key, the request gets the first answer back instead of changing it twice.
  // A request node:http refuses to send (a header it cannot carry) is not retried: it never left.
  return attempt().catch((error: unknown) => {
    if (error instanceof Unreachable && request.headers.has('idempotency-key')) return attempt();
    throw error;
  });
}

/** No answer came: the connection was refused, or dropped before the answer was in. */
export class Unreachable extends Error {
  constructor(url: string, options: ErrorOptions) {
    super(`no answer from ${url}`, options);
  }
}

/** Statuses whose answer has no body, which `Response` refuses one for. */
const NO_BODY = new Set([204, 205, 304]);

/** node's raw headers, `[name, value, name, value, …]`, as the pairs `Headers` takes. */
function pairs(raw: string[]): [string, string][] {
  const result: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) result.push([raw[i] as string, raw[i + 1] as string]);
  return result;
}
