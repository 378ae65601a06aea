import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Delivery } from './bus/log.ts';
import { connectPostgres, type Executor } from './postgres/client.ts';

/** Migrated once per test run by the global setup; each test file clones it. */
export const TEMPLATE_DATABASE = 'ates_template';

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A fresh, migrated database of its own for one test file: returns its URL. */
export async function createTestDatabase(serverUrl: string): Promise<string> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = connectPostgres(serverUrl, { max: 1 });
  try {
    await admin.sql.unsafe(`create database ${name} template ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.close();
  }
  return withDatabase(serverUrl, name);
}

export interface RawEvent {
  event_id: string;
  event_name: string;
  event_version: number;
  data: unknown;
}

/**
 * Writes events straight into the log as one batch, around `publish` and its validation, and
 * queues nothing: how a test stages a late or malformed event. Returns the delivery that
 * carries them, for the test to send.
 */
export async function appendRawEvents(
  db: Executor,
  events: RawEvent[],
  options: { producer?: string; eventTime?: string } = {},
): Promise<Delivery> {
  const publishId = randomUUID();
  const names = `{${[...new Set(events.map((e) => e.event_name))].join(',')}}`;
  await db.execute(sql`
    insert into bus.event_batch (publish_id, first_seq, event_count, event_names, event_time, producer, events)
    values (${publishId}, 1, ${events.length}, ${names}::text[], ${options.eventTime ?? new Date().toISOString()},
      ${options.producer ?? 'test'}, ${JSON.stringify(events)}::json)`);
  return { publish_id: publishId, from_seq: 1, to_seq: events.length };
}

/** Polls `check` until it returns something truthy, and returns that; throws after `timeoutMs`. */
export async function until<T>(
  check: () => Promise<T | undefined | false>,
  { timeoutMs = 20_000, pollMs = 25 }: { timeoutMs?: number; pollMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
