import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';

const tls = (file: string) => readFileSync(new URL(`./tls/${file}`, import.meta.url));

/** The receiver's self-signed certificate: aTES trusts it through ATES_WEBHOOK_CA_FILE. */
export const RECEIVER_CA_FILE = fileURLToPath(new URL('./tls/receiver.crt', import.meta.url));

/** Delivery settings for a test process: the receivers are on loopback, retries are quick. */
export function webhookTestEnv(overrides: Record<string, string> = {}): void {
  Object.assign(process.env, {
    ATES_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
    ATES_WEBHOOK_CA_FILE: RECEIVER_CA_FILE,
    ATES_WEBHOOK_RETRY_BASE_MS: '100',
    ATES_WEBHOOK_RETRY_MAX_DELAY_MS: '400',
    ATES_WEBHOOK_TIMEOUT_MS: '3000',
    ...overrides,
  });
}

export interface Received {
  headers: Record<string, string>;
  body: string;
}

/** What the receiver answers a request with: a status, or `hang` to never answer. */
export type Answer = number | 'hang';

/**
 * A real https receiver on 127.0.0.1 that records every request as it came. `answer` decides
 * each reply; `down()` closes the port (connections are refused) until `up()`.
 */
export interface Receiver {
  url: string;
  requests: Received[];
  answer: (request: Received) => Answer;
  /** The requests verified with `secret` by the standardwebhooks library, one per `webhook-id`. */
  verified(secret: string): Map<string, unknown>;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(answer: Receiver['answer'] = () => 204): Promise<Receiver> {
  const sockets = new Set<Duplex>();
  const hanging = new Set<() => void>();
  let server: Server | undefined;
  let port = 0;
  const receiver: Receiver = {
    url: '',
    requests: [],
    answer,
    verified(secret) {
      const webhook = new Webhook(secret);
      const byId = new Map<string, unknown>();
      for (const request of receiver.requests) {
        byId.set(request.headers['webhook-id'] ?? '', webhook.verify(request.body, request.headers));
      }
      return byId;
    },
    async down() {
      await stop();
    },
    async up() {
      await listen();
    },
    async close() {
      await stop();
    },
  };
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const https = createServer({ key: tls('receiver.key'), cert: tls('receiver.crt') }, (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          const request = { headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString() };
          receiver.requests.push(request);
          const reply = receiver.answer(request);
          if (reply === 'hang') hanging.add(() => res.destroy());
          else res.writeHead(reply, { 'content-type': 'text/plain' }).end(reply < 300 ? 'ok' : `failing with ${reply}`);
        });
      });
      server = https;
      https.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      https.once('error', reject);
      https.listen(port, '127.0.0.1', () => {
        port = (https.address() as AddressInfo).port;
        receiver.url = `https://127.0.0.1:${port}/hook`;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const release of hanging) release();
      hanging.clear();
      for (const socket of sockets) socket.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  await listen();
  return receiver;
}
