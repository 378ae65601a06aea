import { randomUUID } from 'node:crypto';
import { connectPostgres } from '@ates/db';
import { defineConsumer, type Envelope, EventBus, EventSchemaError, type NewEvent } from '@ates/db/bus';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appendRawEvents, createTestDatabase, until } from '../src/testing.ts';

const CONSUMER = defineConsumer('test.employees', { 'Employee.Created': 1, 'Task.Created': 2 });

let url: string;
let conn: ReturnType<typeof connectPostgres>;
let bus: EventBus;

const employee = (name = 'Ada Popug'): NewEvent => ({
  name: 'Employee.Created',
  data: { employee_id: randomUUID(), full_name: name, role: 'worker', email: `${randomUUID()}@popug.inc` },
});

/** The test consumer's effect: one row per application, with no key of its own to hide doubles. */
async function recordEffects(tx: Parameters<Parameters<EventBus['subscribe']>[1]>[0], events: Envelope[]) {
  for (const event of events) {
    await tx.execute(
      sql`insert into effects (event_id, name, data) values (${event.event_id}, ${event.event_name}, ${JSON.stringify(event.data)}::jsonb)`,
    );
  }
}

async function effects() {
  return conn.db.execute<{ event_id: string; name: string; data: Record<string, unknown> }>(
    sql`select event_id, name, data from effects order by id`,
  );
}

beforeAll(async () => {
  url = await createTestDatabase(inject('postgresUrl'));
  conn = connectPostgres(url);
  await conn.sql`create table effects (id serial primary key, event_id uuid not null, name text, data jsonb)`;
  bus = new EventBus(url, conn.db, { retryLimit: 1, retryDelaySeconds: 0 });
  await bus.start();
});

afterAll(async () => {
  await bus.stop();
  await conn.close();
});

describe('publish', () => {
  it('commits events with the transaction, and a rollback publishes nothing', async () => {
    const before = await conn.sql`select count(*)::int as n from bus.event_log`;
    await expect(
      conn.db.transaction(async (tx) => {
        await bus.publish(tx, 'test', [employee()]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const after = await conn.sql`select count(*)::int as n from bus.event_log`;
    const jobs = await bus.boss.findJobs(CONSUMER, { queued: true });
    expect(after[0]?.n).toBe(before[0]?.n);
    expect(jobs).toHaveLength(0);

    const [published] = await conn.db.transaction((tx) => bus.publish(tx, 'test', [employee()]));
    const logged =
      await conn.sql`select event_name, event_version, producer from bus.event_log where event_id = ${published?.event_id ?? ''}`;
    expect(logged).toEqual([{ event_name: 'Employee.Created', event_version: 1, producer: 'test' }]);
    await until(async () => (await bus.boss.findJobs(CONSUMER, { queued: true })).length === 1);
    expect(await conn.sql`select position from bus.outbox`).toHaveLength(0);
  });

  it('refuses an unknown event and data that fails its schema, writing nothing', async () => {
    const bad = [
      { name: 'Employee.Promoted', data: {} },
      { name: 'Employee.Created', data: { employee_id: 'e1', full_name: 'No Email', role: 'worker' } },
      { name: 'Employee.Created', data: { employee_id: 'e1', full_name: 'X', role: 'ceo', email: 'x@popug.inc' } },
      {
        name: 'Task.Created',
        data: {
          task_id: 't',
          title: '[UP-1] old',
          jira_id: null,
          description: null,
          status: 'open',
          fee: 1050,
          reward: 3000,
          assignee: 'e',
          completed_at: null,
        },
      },
    ] as unknown as NewEvent[];
    const before = await conn.sql`select count(*)::int as n from bus.event_log`;
    for (const event of bad) {
      await expect(conn.db.transaction((tx) => bus.publish(tx, 'test', [event]))).rejects.toBeInstanceOf(
        EventSchemaError,
      );
    }
    const after = await conn.sql`select count(*)::int as n from bus.event_log`;
    expect(after[0]?.n).toBe(before[0]?.n);
  });
});

describe('a bulk publish', () => {
  it('that fails on a later batch rolls back whole', async () => {
    await conn.sql.unsafe(`
      create function refuse_second_batch() returns trigger language plpgsql as $$
      begin
        if new.first_seq > 1 then raise exception 'the log refuses this batch'; end if;
        return new;
      end $$;
      create trigger refuse_second_batch before insert on bus.event_batch
        for each row execute function refuse_second_batch();`);
    try {
      const before = await conn.sql`select count(*)::int as n from bus.event_batch`;
      const events = Array.from({ length: 2_500 }, (_, i) => employee(`Bulk ${i}`));
      await expect(conn.db.transaction((tx) => bus.publish(tx, 'test', events))).rejects.toThrow();
      const after = await conn.sql`select count(*)::int as n from bus.event_batch`;
      expect(after[0]?.n).toBe(before[0]?.n);
    } finally {
      await conn.sql.unsafe(
        'drop trigger refuse_second_batch on bus.event_batch; drop function refuse_second_batch();',
      );
    }
  });
});

describe('delivery', () => {
  it('applies an event delivered twice only once', async () => {
    const [event] = await conn.db.transaction((tx) => bus.publish(tx, 'test', [employee('Twice')]));
    const [{ publish_id } = { publish_id: '' }] =
      await conn.sql`select publish_id from bus.event_log where event_id = ${event?.event_id ?? ''}`;
    const job = await until(
      async () => (await bus.boss.findJobs<Record<string, unknown>>(CONSUMER, { data: { publish_id } }))[0],
    );
    await bus.boss.send(CONSUMER, job?.data ?? {});
    expect(await bus.boss.findJobs(CONSUMER, { data: { publish_id }, queued: true })).toHaveLength(2);
    await bus.subscribe(CONSUMER, recordEffects);
    await until(async () => {
      const jobs = await bus.boss.findJobs(CONSUMER, { data: { publish_id } });
      return jobs.length === 2 && jobs.every((j) => j.state === 'completed');
    });
    const applied = (await effects()).filter((e) => e.event_id === event?.event_id);
    expect(applied).toHaveLength(1);
  });

  it('upcasts a v1 task event for a consumer that reads v2', async () => {
    const taskId = randomUUID();
    await conn.db.transaction((tx) =>
      bus.publish(tx, 'legacy-tracker', [
        {
          name: 'Task.Created',
          version: 1,
          data: {
            task_id: taskId,
            title: '[UP-42] - Fix the beak',
            description: null,
            status: 'open',
            fee: 1500,
            reward: 3000,
            assignee: 'e1',
            completed_at: null,
          },
        } as unknown as NewEvent,
      ]),
    );
    const applied = await until(async () => (await effects()).find((e) => e.data.task_id === taskId));
    expect(applied.data).toMatchObject({ title: 'Fix the beak', jira_id: 'UP-42' });
  });

  it('dead-letters a raw delivery whose event fails its schema, and a malformed delivery, and retries one on demand', async () => {
    const eventId = randomUUID();
    const delivery = await appendRawEvents(
      conn.db,
      [
        {
          event_id: eventId,
          event_name: 'Employee.Created',
          event_version: 1,
          data: { employee_id: 'x', role: 'pilot' },
        },
      ],
      { producer: 'rogue' },
    );
    await bus.boss.send(CONSUMER, delivery);
    await bus.boss.send(CONSUMER, { garbage: true });
    const letters = await until(async () => {
      const found = await bus.deadLetters({ consumer: CONSUMER });
      return found.letters.length === 2 && found.letters;
    });
    expect(letters.flatMap((l) => l.events.map((e) => e.eventId))).toEqual([eventId]);
    expect((await effects()).some((e) => e.event_id === eventId)).toBe(false);
    const inbox = await conn.sql`select 1 from bus.inbox where event_id = ${eventId}`;
    expect(inbox).toHaveLength(0);

    expect(await bus.retryDeadLetters(CONSUMER, [letters[0]?.id ?? ''])).toBe(1);
    await until(async () => (await bus.deadLetters({ consumer: CONSUMER })).letters.length === 2);
  });
});

describe('replay', () => {
  it('rebuilds a consumer state from the event log', async () => {
    await conn.db.transaction((tx) => bus.publish(tx, 'test', [employee('R1'), employee('R2'), employee('R3')]));
    await until(
      async () => (await effects()).filter((e) => ['R1', 'R2', 'R3'].includes(String(e.data.full_name))).length === 3,
    );
    const before = (await effects()).map((e) => e.event_id).sort();

    await conn.sql`truncate effects`;
    await bus.resetConsumer(CONSUMER);
    const progress: number[] = [];
    const replayed = await bus.replay(CONSUMER, recordEffects, {
      batchesPerStep: 2,
      onProgress: ({ done }) => progress.push(done),
    });
    const after = (await effects()).map((e) => e.event_id).sort();
    expect(after).toEqual(before);
    expect(replayed).toEqual({ delivered: before.length, rejected: 1 });
    expect(progress.at(-1)).toBe(before.length + 1);

    expect(await bus.replay(CONSUMER, recordEffects)).toEqual(replayed);
    expect((await effects()).length).toBe(before.length);
  });
});
