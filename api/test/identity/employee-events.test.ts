import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Executor } from '@ates/db';
import { assertValidEvent, type Envelope } from '@ates/db/bus';
import { until } from '@ates/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputOf } from '../../../test/support/process-output.ts';
import { ensureFirstAdmin } from '../../src/identity/first-admin.ts';
import { TEST_CONSUMER } from './consumer.ts';
import { footprint, type IdentityDatabase, identityDatabase } from './support.ts';

const CRASH_AFTER_CREATE = fileURLToPath(new URL('./crash-after-create.ts', import.meta.url));

const REFUSED = { cause: { message: 'the event log refuses this event' } };

let db: IdentityDatabase;

type LoggedEvent = {
  event_id: string;
  event_name: string;
  event_version: number;
  event_time: string;
  producer: string;
  publish_id: string;
  data: Record<string, unknown>;
};

async function eventsAbout(employeeIdOrEmail: string): Promise<LoggedEvent[]> {
  return [
    ...(await db.conn.db.execute<LoggedEvent>(sql`
      select event_id, event_name, event_version, producer, publish_id, data,
             to_char(event_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as event_time
      from bus.event_log
      where data->>'employee_id' = ${employeeIdOrEmail} or data->>'email' = ${employeeIdOrEmail}
      order by position`)),
  ];
}

/** Makes the bus refuse to log any event about the given employee ids or emails: a failure after the write. */
async function refuseEventsAbout(...values: string[]) {
  for (const value of values) await db.conn.sql`insert into doomed (value) values (${value})`;
}

beforeAll(async () => {
  db = await identityDatabase();
  await db.conn.sql.unsafe(`
    create table doomed (value text primary key);
    create table effects (id serial primary key, event_id uuid not null, name text not null, data jsonb not null);
    create function refuse_doomed() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from json_array_elements(new.events) e join doomed d
                 on d.value in (e->'data'->>'email', e->'data'->>'employee_id')) then
        raise exception 'the event log refuses this event';
      end if;
      return new;
    end $$;
    create trigger refuse_doomed before insert on bus.event_batch for each row execute function refuse_doomed();`);
  await db.bus.subscribe(TEST_CONSUMER, async (tx: Executor, events: Envelope[]) => {
    for (const event of events) {
      await tx.execute(
        sql`insert into effects (event_id, name, data) values (${event.event_id}, ${event.event_name}, ${JSON.stringify(event.data)}::jsonb)`,
      );
    }
  });
});

afterAll(async () => {
  await db.stop();
});

describe('Employee events', () => {
  it('are published for create, update, role change and deactivation, each matching its schema', async () => {
    const { employees } = db.identity;
    const { employee } = await employees.create({
      email: 'kesha@popug.inc',
      fullName: 'Kesha Popug',
      role: 'worker',
      password: 'kesha-password-1',
    });
    await employees.update(employee.id, { fullName: 'Kesha the Great', email: 'great@popug.inc' });
    await employees.update(employee.id, { role: 'manager' });
    await employees.update(employee.id, { role: 'manager' });
    await employees.deactivate(employee.id, 'some-admin');

    const events = await eventsAbout(employee.id);
    expect(events.map((e) => [e.event_name, e.data])).toEqual([
      [
        'Employee.Created',
        { employee_id: employee.id, full_name: 'Kesha Popug', role: 'worker', email: 'kesha@popug.inc' },
      ],
      [
        'Employee.Updated',
        { employee_id: employee.id, full_name: 'Kesha the Great', role: 'worker', email: 'great@popug.inc' },
      ],
      [
        'Employee.Updated',
        { employee_id: employee.id, full_name: 'Kesha the Great', role: 'manager', email: 'great@popug.inc' },
      ],
      [
        'Employee.Deleted',
        { employee_id: employee.id, full_name: 'Kesha the Great', role: 'manager', email: 'great@popug.inc' },
      ],
    ]);
    for (const event of events) {
      const { publish_id: _, ...envelope } = event;
      expect(() => assertValidEvent(envelope)).not.toThrow();
      expect(envelope).toMatchObject({ event_version: 1, producer: 'identity' });
    }
  });

  it('reach every Employee consumer, one delivery each', async () => {
    const { employee } = await db.identity.employees.create({
      email: 'queued@popug.inc',
      fullName: 'Queued Popug',
      role: 'accountant',
      password: 'queued-password',
    });
    const [created] = await eventsAbout(employee.id);
    await db.bus.settle([]);
    for (const consumer of ['tasks.employees', 'accounting.ledger', 'analytics.projection', TEST_CONSUMER]) {
      const jobs = await db.bus.boss.findJobs(consumer, { data: { publish_id: created?.publish_id } });
      expect(jobs, consumer).toHaveLength(1);
    }
  });
});

describe('a change and its event are one transaction', () => {
  it('a create whose event fails after the user row was written leaves neither user, credentials nor event', async () => {
    await refuseEventsAbout('doomed@popug.inc');
    const before = await footprint(db.conn, db.bus);
    await expect(
      db.identity.employees.create({
        email: 'doomed@popug.inc',
        fullName: 'Doomed',
        role: 'worker',
        password: 'doomed-password',
      }),
    ).rejects.toMatchObject(REFUSED);
    expect(await footprint(db.conn, db.bus)).toEqual(before);
    expect(await db.conn.sql`select id from identity.user where email = 'doomed@popug.inc'`).toHaveLength(0);
  });

  it('an update or deactivation whose event fails changes nothing: same row, same sessions, same API keys', async () => {
    const { employees, auth, apiKeys } = db.identity;
    const { employee } = await employees.create({
      email: 'steady@popug.inc',
      fullName: 'Steady Popug',
      role: 'worker',
      password: 'steady-password',
    });
    const signedIn = await auth.api.signInEmail({
      body: { email: 'steady@popug.inc', password: 'steady-password' },
      returnHeaders: true,
    });
    const token = signedIn.headers.get('set-auth-token');
    const key = await apiKeys.create(employee.id, { name: 'steady-sync' });
    await refuseEventsAbout(employee.id);
    const before = await footprint(db.conn, db.bus);

    await expect(employees.update(employee.id, { role: 'manager', fullName: 'Changed' })).rejects.toMatchObject(
      REFUSED,
    );
    await expect(employees.deactivate(employee.id, 'some-admin')).rejects.toMatchObject(REFUSED);

    expect(await employees.get(employee.id)).toEqual(employee);
    expect(await footprint(db.conn, db.bus)).toEqual(before);
    const session = await auth.api.getSession({ headers: new Headers({ authorization: `Bearer ${token}` }) });
    expect(session?.user.id).toBe(employee.id);
    expect((await auth.api.verifyApiKey({ body: { key: key.key } })).valid).toBe(true);
  });

  it('an event committed by a process killed right after the commit is in the log and applied exactly once', async () => {
    const email = 'crash@popug.inc';
    const child = spawn(process.execPath, [CRASH_AFTER_CREATE, db.url, email], { stdio: ['ignore', 'pipe', 'pipe'] });
    const { signal, stdout, stderr } = await outputOf(child);
    expect(signal, stderr).toBe('SIGKILL');
    const employee = JSON.parse(stdout.trim()) as { id: string };

    const events = await eventsAbout(employee.id);
    expect(events.map((e) => e.event_name)).toEqual(['Employee.Created']);
    const [created] = events;
    const applied = () => db.conn.sql`select name, data from effects where event_id = ${created?.event_id ?? ''}`;
    await until(async () => (await applied()).length > 0);

    const [job] = await db.bus.boss.findJobs<object>(TEST_CONSUMER, { data: { publish_id: created?.publish_id } });
    await db.bus.boss.send(TEST_CONSUMER, job?.data ?? {});
    await until(async () => {
      const jobs = await db.bus.boss.findJobs(TEST_CONSUMER, { data: { publish_id: created?.publish_id } });
      return jobs.length === 2 && jobs.every((j) => j.state === 'completed');
    });
    expect(await applied()).toEqual([
      { name: 'Employee.Created', data: { employee_id: employee.id, full_name: 'Crash Popug', role: 'worker', email } },
    ]);
  });
});

describe('two creates racing for one email', () => {
  it('the one that loses at the unique index gets the same 409 and leaves no trace', async () => {
    const email = 'race@popug.inc';
    const rival = await db.conn.sql.reserve();
    try {
      await rival`begin`;
      await rival`insert into identity.user (name, email, role) values ('Rival', ${email}, 'worker')`;
      // Caught at once: it rejects while the rival's commit is still being awaited.
      const loser = db.identity.employees
        .create({ email, fullName: 'Loser', role: 'worker', password: 'loser-password' })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      await until(async () => {
        const waiting = await db.conn.sql`
          select 1 from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock' and query ilike 'insert into "identity"."user"%'`;
        return waiting.length > 0;
      });
      await rival`commit`;
      expect(await loser).toMatchObject({
        status: 409,
        message: 'An employee with this email already exists.',
      });
    } finally {
      rival.release();
    }
    expect(await eventsAbout(email)).toEqual([]);
    expect(await db.conn.sql`select name from identity.user where email = ${email}`).toEqual([{ name: 'Rival' }]);
  });
});

describe('the first admin', () => {
  it('is created once even when several processes start together, with one Employee.Created', async () => {
    const fresh = await identityDatabase();
    try {
      const deps = { db: fresh.conn.db, bus: fresh.bus, settings: fresh.settings };
      const results = await Promise.all([
        ensureFirstAdmin(deps, { email: 'first@popug.inc', password: 'first-admin-password' }),
        ensureFirstAdmin(deps, { email: 'second@popug.inc', password: 'second-admin-password' }),
      ]);
      const created = results.filter((admin) => admin !== undefined);
      expect(created).toHaveLength(1);
      expect(created[0]).toMatchObject({ role: 'admin', fullName: 'Administrator', active: true });
      const rows = await fresh.conn.sql`select event_name, data->>'role' as role from bus.event_log`;
      expect(rows).toEqual([{ event_name: 'Employee.Created', role: 'admin' }]);
      expect(
        await ensureFirstAdmin(deps, { email: 'third@popug.inc', password: 'third-admin-password' }),
      ).toBeUndefined();
    } finally {
      await fresh.stop();
    }
  });

  it('is refused with a clear message when its password is weak, and nothing is written', async () => {
    const fresh = await identityDatabase();
    try {
      const deps = { db: fresh.conn.db, bus: fresh.bus, settings: fresh.settings };
      await expect(ensureFirstAdmin(deps, { email: 'root@popug.inc', password: 'short' })).rejects.toThrow(
        'The first admin is not valid: password must be at least 10 characters.',
      );
      expect(await footprint(fresh.conn, fresh.bus)).toMatchObject({ users: 0, events: 0 });
    } finally {
      await fresh.stop();
    }
  });
});
