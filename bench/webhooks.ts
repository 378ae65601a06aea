import { randomUUID } from 'node:crypto';
import type { NewEvent } from '@ates/db/bus';
import { until } from '@ates/db/testing';
import { startWebhookWorkers } from '@ates/jobs/webhooks';
import { sql } from 'drizzle-orm';
import { RECEIVER_CA_FILE, startReceiver } from '../test/support/webhook-receiver.ts';
import { benchDatabase, count, percentile, seconds } from './support.ts';

const THROUGHPUT_EVENTS = 20_000;
const EVENTS_PER_PUBLISH = 500;
const STEADY_RATE = 200;
const STEADY_SECONDS = 10;

const taskAssigned = (): NewEvent => ({
  name: 'TaskAssigned',
  data: { task_id: randomUUID(), employee_id: 'bench-popug', amount: 1500, at: new Date().toISOString() },
});

/**
 * Webhooks end to end, from the producer's commit to a local https receiver: deliveries per second
 * with a backlog, then commit-to-receiver latency at a steady rate. Production settings, but for the
 * receiver's loopback address and self-signed certificate.
 */
export async function benchWebhooks(): Promise<void> {
  process.env.ATES_WEBHOOK_ALLOW_HOSTS = '127.0.0.1';
  process.env.ATES_WEBHOOK_CA_FILE = RECEIVER_CA_FILE;
  const arrivals = new Map<string, number>();
  const receiver = await startReceiver((request) => {
    arrivals.set(request.headers['webhook-id'] ?? '', performance.now());
    return 204;
  });
  const { conn, bus, stop } = await benchDatabase();
  const stopWebhooks = await startWebhookWorkers({ db: conn.db, bus });
  try {
    await conn.db.execute(sql`insert into webhooks.endpoints (url, events, secret, created_by)
      values (${receiver.url}, '{TaskAssigned}', ${`whsec_${Buffer.alloc(32, 1).toString('base64')}`}, 'bench')`);

    const started = performance.now();
    for (let sent = 0; sent < THROUGHPUT_EVENTS; sent += EVENTS_PER_PUBLISH) {
      const batch = Array.from({ length: EVENTS_PER_PUBLISH }, taskAssigned);
      await conn.db.transaction((tx) => bus.publish(tx, 'bench', batch));
    }
    await until(async () => arrivals.size >= THROUGHPUT_EVENTS, { timeoutMs: 600_000, pollMs: 10 });
    const elapsed = performance.now() - started;
    console.log(
      `webhook throughput: ${count(THROUGHPUT_EVENTS)} events to one https receiver, commit to receipt, in ` +
        `${seconds(elapsed)}: ${count(THROUGHPUT_EVENTS / (elapsed / 1000))} deliveries/s (target ≥ 1,000/s)`,
    );

    arrivals.clear();
    const committed = new Map<string, number>();
    const total = STEADY_RATE * STEADY_SECONDS;
    const steadyStart = performance.now();
    for (let i = 0; i < total; i++) {
      const wait = steadyStart + (i * 1000) / STEADY_RATE - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const [event] = await conn.db.transaction((tx) => bus.publish(tx, 'bench', [taskAssigned()]));
      committed.set(event?.event_id ?? '', performance.now());
    }
    await until(async () => [...committed.keys()].every((id) => arrivals.has(id)), { timeoutMs: 120_000 });
    const latencies = [...committed].map(([id, at]) => (arrivals.get(id) ?? at) - at).sort((a, b) => a - b);
    console.log(
      `webhook latency at a steady ${STEADY_RATE} events/s for ${STEADY_SECONDS} s (commit to receiver): ` +
        `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, ` +
        `max ${percentile(latencies, 100).toFixed(1)} ms (target p99 ≤ 200 ms)`,
    );
  } finally {
    await stopWebhooks();
    await stop();
    await receiver.close();
  }
}
