import { randomUUID } from 'node:crypto';

/**
 * The load generator of the HTTP benchmarks, run in a process of its own so that the clients do
 * not take the server's event loop: `node bench/http-clients.ts '<json Load>'` prints
 * `{ "done": n, "failed": n, "seconds": s }`.
 */
interface Load {
  /** Client i talks to `apis[i % apis.length]`. */
  apis: string[];
  method: 'GET' | 'POST';
  path: string;
  /** One bearer token per client; each client sends one request at a time. */
  tokens: string[];
  seconds: number;
  /** POST bodies are `{ title: "Bench <n>", jiraId: "UP-<n>" }`, n counting across clients. */
  createsTasks?: boolean;
  /** Each request carries a fresh Idempotency-Key, as the CLI sends. */
  idempotencyKeys?: boolean;
}

const load = JSON.parse(process.argv[2] ?? '{}') as Load;
let issued = 0;
let done = 0;
let failed = 0;
const started = performance.now();
const deadline = started + load.seconds * 1000;

await Promise.all(
  load.tokens.map(async (token, i) => {
    const api = load.apis[i % load.apis.length];
    while (performance.now() < deadline) {
      const n = issued++;
      const response = await fetch(`${api}${load.path}`, {
        method: load.method,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          ...(load.idempotencyKeys ? { 'idempotency-key': randomUUID() } : {}),
        },
        body: load.createsTasks ? JSON.stringify({ title: `Bench ${n}`, jiraId: `UP-${n}` }) : undefined,
      });
      await response.arrayBuffer();
      if (response.ok) done++;
      else failed++;
    }
  }),
);
console.log(JSON.stringify({ done, failed, seconds: (performance.now() - started) / 1000 }));
