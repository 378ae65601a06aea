import type { IncomingHttpHeaders } from 'node:http';

/** An answer of the API: its status, its headers by lower-case name, and its body as text. */
export interface HttpAnswer {
  status: number;
  ok: boolean;
  header(name: string): string | undefined;
  text: string;
}

/**
 * One HTTP request with node:http(s). A CLI command makes one or two requests and exits, and
 * node:http starts in a fraction of the time and memory that loading fetch's undici takes.
 */
export async function send(
  url: string,
  options: { method: string; headers: Record<string, string>; body?: string },
): Promise<HttpAnswer> {
  const { request } = url.startsWith('https:') ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: options.method, headers: options.headers }, (incoming) => {
      let text = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => {
        text += chunk;
      });
      incoming.on('error', reject);
      incoming.on('end', () => {
        const status = incoming.statusCode ?? 0;
        resolve({ status, ok: status >= 200 && status < 300, header: headerOf(incoming.headers), text });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

const headerOf = (headers: IncomingHttpHeaders) => (name: string) => {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
};
