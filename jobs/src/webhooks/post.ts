import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';
import { assertLiteralAllowed, guardedLookup, type WebhookSettings } from '@ates/db/webhooks';

/** How a receiver answered one POST; `statusCode` is null when no answer came. */
export interface Answer {
  statusCode: number | null;
  /** The first characters of the answer's body, or why there was none. */
  answer: string;
  latencyMs: number;
}

const ANSWER_CHARS = 500;
/** Answers longer than this are cut off: a receiver owes us a status, not a download. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs over https only, through a keep-alive agent whose DNS lookups refuse internal addresses
 * (unless allowed) and that trusts the system's certificate authorities plus `caFile`. Redirects
 * are not followed: a 3xx is an answer like any other non-2xx.
 */
export function webhookPoster(settings: WebhookSettings) {
  // A secure context made once: a `ca` option would be joined into the agent's pool key on every request.
  const secureContext = settings.caFile
    ? createSecureContext({ ca: [...rootCertificates, readFileSync(settings.caFile, 'utf8')] })
    : undefined;
  const agent = new Agent({
    keepAlive: true,
    maxSockets: settings.concurrency,
    lookup: guardedLookup(settings.allowHosts),
    ...(secureContext ? { secureContext } : {}),
  });
  const post = (url: URL, headers: Record<string, string>, body: string): Promise<Answer> => {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    return new Promise((resolve) => {
      const fail = (error: Error) => resolve({ statusCode: null, answer: error.message, latencyMs: latency() });
      try {
        if (url.protocol !== 'https:') throw new Error(`not an https URL: ${url.protocol}`);
        assertLiteralAllowed(url, settings.allowHosts);
      } catch (error) {
        return fail(error as Error);
      }
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          signal: AbortSignal.timeout(settings.timeoutMs),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
            else res.destroy();
          });
          const done = () =>
            resolve({
              statusCode: res.statusCode ?? null,
              answer: Buffer.concat(chunks).toString('utf8').slice(0, ANSWER_CHARS),
              latencyMs: latency(),
            });
          res.on('end', done);
          res.on('close', done);
          res.on('error', fail);
        },
      );
      req.on('error', (error) =>
        fail(error.name === 'AbortError' ? new Error(`no answer within ${settings.timeoutMs} ms`) : error),
      );
      req.end(body);
    });
  };
  return { post, close: () => agent.destroy() };
}
