import { randomUUID } from 'node:crypto';
import { defineConsumer, type Envelope, type NewEvent } from '@ates/db/bus';
import { sql } from 'drizzle-orm';
import type { Sql } from 'postgres';
import { benchDatabase, count, percentile, seconds } from './support.ts';

const THROUGHPUT_EVENTS = 50_000;
const EVENTS_PER_PUBLISH = 500;
const STEADY_RATE = 200;
const STEADY_SECONDS = 10;

const employeeCreated = (): NewEvent => ({
  name: 'Employee.Created',
  data: { employee_id: randomUUID(), full_name: 'Bench Popug', role: 'worker', email: 'bench@popug.inc' },
});

/** End-to-end throughput with batching, then commit-to-handler latency at a steady rate. */
export async function benchBus(): Promise<void> {
  const sink = defineConsumer('bench.sink', { 'Employee.Created': 1 });
  const { conn, bus, stop } = await benchDatabase();
  try {
    await conn.sql`create table bench_sink (event_id uuid primary key, received_at timestamptz not null, event_time timestamptz not null)`;
    await bus.subscribe(sink, async (tx, events: Envelope[]) => {
      const rows = events.map((e) => ({ event_id: e.event_id, event_time: e.event_time }));
      await tx.execute(sql`insert into bench_sink (event_id, received_at, event_time)
        select r.event_id, clock_timestamp(), r.event_time from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as r(event_id uuid, event_time timestamptz)`);
    });

    const started = performance.now();
    for (let sent = 0; sent < THROUGHPUT_EVENTS; sent += EVENTS_PER_PUBLISH) {
      const batch = Array.from({ length: EVENTS_PER_PUBLISH }, employeeCreated);
      await conn.db.transaction((tx) => bus.publish(tx, 'bench', batch));
    }
    const published = performance.now() - started;
    await waitForSink(conn.sql, THROUGHPUT_EVENTS);
    const elapsed = performance.now() - started;
    console.log(
      `bus throughput: ${count(THROUGHPUT_EVENTS)} events published (${count(EVENTS_PER_PUBLISH)} per transaction) ` +
        `in ${seconds(published)} and consumed end to end in ${seconds(elapsed)}: ` +
        `${count(THROUGHPUT_EVENTS / (elapsed / 1000))} events/s (target ≥ 5,000/s)`,
    );

    await conn.sql`truncate bench_sink`;
    const total = STEADY_RATE * STEADY_SECONDS;
    const steadyStart = performance.now();
    for (let i = 0; i < total; i++) {
      const due = steadyStart + (i * 1000) / STEADY_RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await conn.db.transaction((tx) => bus.publish(tx, 'bench', [employeeCreated()]));
    }
    await waitForSink(conn.sql, total);
    const latencies = (
      await conn.sql<{ ms: number }[]>`
        select extract(epoch from (s.received_at - l.committed_at)) * 1000 as ms
        from bench_sink s join (select event_id, event_time as committed_at from bus.event_log) l using (event_id)`
    )
      .map((r) => Number(r.ms))
      .sort((a, b) => a - b);
    console.log(
      `bus latency at a steady ${STEADY_RATE} events/s for ${STEADY_SECONDS} s (publish to handler): ` +
        `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, ` +
        `max ${percentile(latencies, 100).toFixed(1)} ms (target p99 ≤ 500 ms)`,
    );
  } finally {
    await stop();
  }
}

async function waitForSink(sqlClient: Sql, expected: number) {
  for (;;) {
    const [row] = await sqlClient<{ n: number }[]>`select count(*)::int as n from bench_sink`;
    if ((row?.n ?? 0) >= expected) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
