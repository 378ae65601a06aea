import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { resumeAbandonedRebuilds } from '../../src/analytics/rebuild.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  const manager = await stack.signUp('manager');
  for (let i = 0; i < 3; i++) await stack.signUp('worker');
  await stack.settle();
  for (let i = 0; i < 12; i++) {
    expect((await stack.call('POST', '/v1/tasks', { as: manager, body: { title: `Task ${i}` } })).status).toBe(201);
  }
  await stack.settle();
});

afterAll(async () => {
  await stack?.stop();
});

describe('a rebuild whose API process went away', () => {
  it('is taken over by another API process, which goes on from where it was recorded and says so', async () => {
    const { db } = stack.runtime.conn;
    const [{ middle, after } = { middle: 0, after: 0 }] = await db.execute<{ middle: number; after: number }>(sql`
      with middle as (select (max(position) / 2)::float8 as p from bus.event_batch)
      select (select p from middle) as middle,
             (select coalesce(sum(event_count), 0)::int from bus.event_batch, middle where position > middle.p) as after`);
    const abandoned = '0e1d2c3b-4a59-4687-9a5b-c4d3e2f1a0b9';
    await db.execute(sql`
      insert into analytics.rebuilds (id, state, position, done, total, leased_until)
      values (${abandoned}, 'running', ${middle}, 40, 40, now() - interval '1 second')`);

    const stopResuming = resumeAbandonedRebuilds({ db, bus: stack.runtime.bus, analytics: stack.runtime.analytics });
    onTestFinished(stopResuming);

    let status: { state: string; resumed: number; done: number } | undefined;
    for (let tries = 0; tries < 200 && status?.state !== 'done'; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await stack.call('GET', `/v1/analytics/rebuild/${abandoned}`, { as: stack.admin })).body;
    }
    expect(status).toMatchObject({ state: 'done', resumed: 1, done: 40 + after });
    expect((await stack.call('GET', '/v1/analytics/verify', { as: stack.admin })).body).toMatchObject({ agrees: true });
  });
});
