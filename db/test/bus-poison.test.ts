import { randomUUID } from 'node:crypto';
import { connectPostgres } from '@ates/db';
import { defineConsumer, type Envelope, EventBus, type NewEvent, UndeliverableEventError } from '@ates/db/bus';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deadLetterQueue } from '../src/bus/topology.ts';
import { appendRawEvents, createTestDatabase, type RawEvent, until } from '../src/testing.ts';

const CONSUMER = defineConsumer('test.poison', { 'Employee.Created': 1 });
const PATIENT = defineConsumer('test.patient', { 'Employee.Created': 1 }, { patient: true });

let conn: ReturnType<typeof connectPostgres>;
let bus: EventBus;

const employee = (name = 'Ada Popug'): NewEvent => ({
  name: 'Employee.Created',
  data: { employee_id: randomUUID(), full_name: name, role: 'worker', email: `${randomUUID()}@popug.inc` },
});

const raw = (fullName: unknown): RawEvent => ({
  event_id: randomUUID(),
  event_name: 'Employee.Created',
  event_version: 1,
  data: { employee_id: randomUUID(), full_name: fullName, role: 'worker', email: 'raw@popug.inc' },
});

async function recordEffects(tx: Parameters<Parameters<EventBus['subscribe']>[1]>[0], events: Envelope[]) {
  for (const event of events) {
    await tx.execute(sql`insert into poison_effects (event_id) values (${event.event_id})`);
  }
}

const applied = async () =>
  (await conn.db.execute<{ event_id: string }>(sql`select event_id from poison_effects`)).map((r) => r.event_id);

const logSize = async () => (await conn.sql`select count(*)::int as n from bus.event_batch`)[0]?.n as number;

beforeAll(async () => {
  const url = await createTestDatabase(inject('postgresUrl'));
  conn = connectPostgres(url);
  await conn.sql`create table poison_effects (id serial primary key, event_id uuid not null)`;
  bus = new EventBus(url, conn.db, {
    retryLimit: 1,
    retryDelaySeconds: 0,
    patientRetry: { delaySeconds: 3, maxDelaySeconds: 60, forSeconds: 3_600 },
  });
  await bus.start();
  await bus.subscribe(CONSUMER, recordEffects);
});

afterAll(async () => {
  await bus.stop();
  await conn.close();
});

describe('publish', () => {
  it.each([
    ['an unpaired surrogate', { full_name: 'x\ud800y' }, /data\/full_name holds an unpaired UTF-16 surrogate/],
    ['a lone low surrogate', { full_name: '\udc00' }, /data\/full_name holds an unpaired UTF-16 surrogate/],
    ['a NUL', { full_name: 'a\u0000b' }, /data\/full_name holds a NUL character/],
  ])('refuses %s in an event, writing nothing', async (_, fields, message) => {
    const before = await logSize();
    const event = employee();
    const bad = { ...event, data: { ...event.data, ...fields } } as NewEvent;
    const publish = conn.db.transaction((tx) => bus.publish(tx, 'test', [employee(), bad]));
    await expect(publish).rejects.toBeInstanceOf(UndeliverableEventError);
    await expect(conn.db.transaction((tx) => bus.publish(tx, 'test', [bad]))).rejects.toThrow(message);
    expect(await logSize()).toBe(before);
  });

  it.each([
    ['an amount beyond 2^53', { amount: 2 ** 60 }, /data\/amount is \d+, not an integer the stores hold exactly/],
    ['a business day ClickHouse would clamp', { business_day: '2150-01-01' }, /business_day/],
    ['a business day in year 0', { business_day: '0000-01-01' }, /business_day/],
    ['30 February', { business_day: '2026-02-30' }, /business_day/],
    ['an instant that is no time', { at: '2026-19-39T29:59:59Z' }, /data\/at/],
  ])('refuses %s, writing nothing', async (_, fields, message) => {
    const before = await logSize();
    const payout = {
      name: 'PayoutMade',
      data: {
        transaction_id: randomUUID(),
        task_id: null,
        employee_id: randomUUID(),
        amount: 1000,
        at: new Date().toISOString(),
        business_day: '2026-12-01',
        ...fields,
      },
    } as NewEvent;
    await expect(conn.db.transaction((tx) => bus.publish(tx, 'test', [payout]))).rejects.toThrow(message);
    expect(await logSize()).toBe(before);
  });

  it('refuses through publishWith too, before its statement runs', async () => {
    const bad = { ...employee(), data: { ...employee().data, full_name: 'x\ud800' } } as NewEvent;
    const change = sql`select 1 as one`;
    await expect(bus.publishWith(conn.db, 'test', change, [bad])).rejects.toBeInstanceOf(UndeliverableEventError);
  });
});

describe('poison in the log', () => {
  it('is dead-lettered alone and at once, and the events around it are applied', async () => {
    const poison = raw('x\ud800y');
    const [before, after] = [raw('Before Popug'), raw('After Popug')];
    const delivery = await appendRawEvents(conn.db, [before, poison, after, raw('a\u0000b')], { producer: 'rogue' });
    await bus.boss.send(CONSUMER, delivery);
    const [later] = await conn.db.transaction((tx) => bus.publish(tx, 'test', [employee('Later Popug')]));
    await bus.settle([CONSUMER]);

    expect(await applied()).toEqual(expect.arrayContaining([before.event_id, after.event_id, later?.event_id]));
    expect(await applied()).not.toContain(poison.event_id);
    const { letters } = await bus.deadLetters({ consumer: CONSUMER });
    const mine = letters
      .filter((l) => l.delivery.publish_id === delivery.publish_id)
      .sort((a, b) => a.delivery.from_seq - b.delivery.from_seq);
    expect(mine).toHaveLength(2);
    expect(mine[0]).toMatchObject({
      attempts: 1,
      reason: expect.stringMatching(/data\/full_name holds an unpaired UTF-16 surrogate/),
      events: [{ eventId: poison.event_id, eventName: 'Employee.Created', eventVersion: 1 }],
    });
    expect(mine[1]?.reason).toMatch(/NUL/);
  });

  it('is listed whatever its fields hold, and a replay to the consumer neither applies it nor letters it twice', async () => {
    const garbage = { event_id: 'not-a-uuid\ud800', event_name: 'Employee.Created', event_version: 'x', data: null };
    const good = raw('Good Popug');
    const delivery = await appendRawEvents(conn.db, [garbage as unknown as RawEvent, good]);
    await bus.boss.send(CONSUMER, delivery);
    await bus.settle([CONSUMER]);
    const letterOf = async () =>
      (await bus.deadLetters({ consumer: CONSUMER })).letters.filter(
        (l) => l.delivery.publish_id === delivery.publish_id,
      );
    expect(await letterOf()).toEqual([
      expect.objectContaining({
        events: [{ eventId: 'not-a-uuid\ufffd', eventName: 'Employee.Created', eventVersion: null }],
      }),
    ]);

    const letters = (await bus.deadLetters({ consumer: CONSUMER })).letters.length;
    const replayed = await bus.replayToConsumer(CONSUMER);
    expect(replayed.deliveries).toBeGreaterThan(2);
    await bus.settle([CONSUMER]);
    expect((await bus.deadLetters({ consumer: CONSUMER })).letters).toHaveLength(letters);
    const effects = await applied();
    expect(effects.filter((id) => id === good.event_id)).toHaveLength(1);
    expect(new Set(effects).size).toBe(effects.length);
  });

  it('is replayed only from --from on', async () => {
    expect(await bus.replayToConsumer(CONSUMER, { from: new Date(Date.now() + 60_000).toISOString() })).toEqual({
      deliveries: 0,
      events: 0,
    });
    const all = await bus.replayToConsumer(CONSUMER);
    const recent = await bus.replayToConsumer(CONSUMER, { from: new Date(Date.now() - 60_000).toISOString() });
    expect(recent).toEqual(all);
    await bus.settle([CONSUMER]);
  });

  it('is skipped and counted by an in-process replay, which carries on', async () => {
    await conn.sql`truncate poison_effects`;
    await bus.resetConsumer(CONSUMER);
    const progress: number[] = [];
    const result = await bus.replay(CONSUMER, recordEffects, { onProgress: ({ rejected }) => progress.push(rejected) });
    expect(result.rejected).toBe(3);
    expect(progress.at(-1)).toBe(3);
    expect(await applied()).toHaveLength(result.delivered);
  });

  it('comes back as a dead letter when retried, once each, and the retry ends', async () => {
    expect(await bus.retryDeadLetters(CONSUMER)).toBe(3);
    await bus.settle([CONSUMER]);
    await until(async () => (await bus.deadLetters({ consumer: CONSUMER })).letters.length === 3);
  });

  it('pages through the dead letters, and discards them for good', async () => {
    const first = await bus.deadLetters({ consumer: CONSUMER, limit: 2 });
    expect(first.letters).toHaveLength(2);
    expect(first.next).not.toBeNull();
    const rest = await bus.deadLetters({ consumer: CONSUMER, after: first.next ?? undefined, limit: 100 });
    expect(rest.next).toBeNull();
    const ids = [...first.letters, ...rest.letters].map((l) => l.id);
    expect(new Set(ids).size).toBe(3);

    expect(await bus.discardDeadLetters(CONSUMER, [ids[0] ?? ''])).toBe(1);
    expect(await bus.discardDeadLetters(CONSUMER)).toBe(2);
    expect((await bus.deadLetters({ consumer: CONSUMER })).letters).toHaveLength(0);
    expect((await bus.status()).consumers.find((c) => c.consumer === CONSUMER)?.deadLetters).toBe(0);
  });
});

describe('queues', () => {
  it('keep dead letters and queued deliveries for good, and retry a patient consumer for its whole window', async () => {
    for (const name of [CONSUMER, PATIENT]) {
      expect((await bus.boss.getQueue(deadLetterQueue(name)))?.retentionSeconds).toBe(2_147_483_647);
      expect((await bus.boss.getQueue(name))?.retentionSeconds).toBe(2_147_483_647);
    }
    expect((await bus.boss.getQueue(CONSUMER))?.retryLimit).toBe(1);
    // 3 + 6 + 12 + 24 + 48 s, then 60 s a retry, to cover an hour at the shortest waits.
    const patient = await bus.boss.getQueue(PATIENT);
    expect(patient).toMatchObject({ retryDelay: 3, retryDelayMax: 60, retryBackoff: true, retryLimit: 5 + 59 });
  });
});
