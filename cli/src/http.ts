/**
 * The `fetch` the API client sends its requests with: node:http(s), one request and its answer
 * read whole. A CLI command makes a request or two and exits, and node:http starts in a fraction
 * of the time fetch's undici dispatcher takes to set up (see docs/decisions/0008-typed-api-client.md).
 * `process.getBuiltinModule` rather than an `import`: the ESM face of node:http reads every one of
 * its exports, and one of them loads undici whole.
 */
export async function httpFetch(request: Request): Promise<Response> {
  const { request: send } = process.getBuiltinModule(request.url.startsWith('https:') ? 'node:https' : 'node:http');
  const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
  const attempt = () =>
    new Promise<Response>((resolve, reject) => {
      const outgoing = send(
        request.url,
        { method: request.method, headers: Object.fromEntries(request.headers) },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => {
            const status = incoming.statusCode ?? 0;
            const headers = pairs(incoming.rawHeaders);
            resolve(new Response(NO_BODY.has(status) ? null : Buffer.concat(chunks), { status, headers }));
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  // A connection that drops before the answer is in may have changed something: sent again with
  // the same Idempotency-Key, the request gets the first answer back instead of changing it twice.
  const retried = attempt().catch((error: unknown) => {
    if (request.headers.has('idempotency-key')) return attempt();
    throw error;
  });
  return retried.catch((error: unknown) => {
    throw new Unreachable(request.url, { cause: error });
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
