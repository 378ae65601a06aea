import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { connectPostgres } from '@ates/db';
import { defineConsumer, EventBus, type NewEvent } from '@ates/db/bus';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../src/testing.ts';

defineConsumer('test.crash', { 'Employee.Created': 1 });

const EVENTS = 1_000;
let url: string;
let conn: ReturnType<typeof connectPostgres>;
let publisher: EventBus;
const children: ChildProcess[] = [];

/** A worker that asks before finishing each batch: `killHere` says whether to kill it there instead. */
function startWorker(killHere: () => Promise<boolean> = async () => false): Promise<ChildProcess> {
  const child = fork(fileURLToPath(new URL('./fixtures/slow-consumer.ts', import.meta.url)), [url], {
    execPath: process.execPath,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  children.push(child);
  child.on('message', async (message) => {
    if (message !== 'in-batch') return;
    if (await killHere()) child.kill('SIGKILL');
    else child.send('go on');
  });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
  });
}

async function applied(): Promise<{ total: number; distinct: number }> {
  const [row] = await conn.sql<{ total: number; distinct: number }[]>`
    select count(*)::int as total, count(distinct event_id)::int as distinct from crash_effects`;
  return row ?? { total: 0, distinct: 0 };
}

beforeAll(async () => {
  url = await createTestDatabase(inject('postgresUrl'));
  conn = connectPostgres(url);
  await conn.sql`create table crash_effects (id serial primary key, event_id uuid not null)`;
  publisher = new EventBus(url, conn.db);
  await publisher.start();
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await publisher.stop();
  await conn.close();
});

it('loses nothing and doubles nothing when the worker is killed in the middle of a batch', async () => {
  for (let i = 0; i < EVENTS; i += 10) {
    const events: NewEvent[] = Array.from({ length: 10 }, () => ({
      name: 'Employee.Created',
      data: { employee_id: randomUUID(), full_name: 'Crash Popug', role: 'worker', email: 'crash@popug.inc' },
    }));
    await conn.db.transaction((tx) => publisher.publish(tx, 'test', events));
  }

  // Killed once 100 effects are in, while a batch is in its hands with its transaction open.
  const first = await startWorker(async () => (await applied()).total >= 100);
  await new Promise((resolve) => first.once('exit', resolve));
  const [{ n: open } = { n: 0 }] = await conn.sql<{ n: number }[]>`
    select count(*)::int as n from pgboss.job where name = 'test.crash' and state = 'active'`;
  const atKill = await applied();
  expect(atKill.total).toBeLessThan(EVENTS);
  expect(open).toBeGreaterThan(0);

  await startWorker();
  const deadline = Date.now() + 50_000;
  while ((await applied()).total < EVENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(await applied()).toEqual({ total: EVENTS, distinct: EVENTS });
});
