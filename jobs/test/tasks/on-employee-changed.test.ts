import { randomUUID } from 'node:crypto';
import { connectPostgres, type PostgresConnection } from '@ates/db';
import { type EmployeeData, EventBus, type NewEvent } from '@ates/db/bus';
import { createTestDatabase, until } from '@ates/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { onEmployeeChanged } from '../../src/tasks/on-employee-changed.ts';

const CONSUMER = 'tasks.employees';

let conn: PostgresConnection;
let bus: EventBus;

const someone = (role: EmployeeData['role'] = 'worker'): EmployeeData => {
  const id = randomUUID();
  return { employee_id: id, full_name: `Popug ${id.slice(0, 6)}`, role, email: `${id}@popug.inc` };
};

async function publish(...events: NewEvent[]): Promise<string> {
  const [first] = await conn.db.transaction((tx) => bus.publish(tx, 'identity', events));
  await bus.settle([]);
  const [row] = await conn.db.execute<{ publish_id: string }>(
    sql`select publish_id from bus.event_log where event_id = ${first?.event_id ?? ''}`,
  );
  // Distinct event times for publishes made one after the other.
  await new Promise((resolve) => setTimeout(resolve, 5));
  return row?.publish_id ?? '';
}

/**
 * Publishes with the consumer stopped and takes the delivery off the queue before anyone sees it,
 * as a lost or retried delivery would leave it, to hand it in late.
 */
async function publishHeldBack(event: NewEvent): Promise<Record<string, unknown>> {
  await bus.boss.offWork(CONSUMER, { wait: true });
  try {
    const publishId = await publish(event);
    const [job] = await bus.boss.findJobs<Record<string, unknown>>(CONSUMER, { data: { publish_id: publishId } });
    if (job?.state !== 'created') throw new Error(`the delivery of ${publishId} is not waiting in the queue`);
    await bus.boss.deleteJob(CONSUMER, job.id);
    return job.data;
  } finally {
    await bus.subscribe(CONSUMER, onEmployeeChanged);
  }
}

async function deliverLate(delivery: Record<string, unknown>): Promise<void> {
  const id = await bus.boss.send(CONSUMER, delivery);
  await until(async () => (await bus.boss.getJobById(CONSUMER, id ?? ''))?.state === 'completed');
}

async function employee(id: string) {
  const [row] = await conn.db.execute<{ full_name: string; role: string; email: string; active: boolean }>(
    sql`select full_name, role, email, active from tasks.employee where id = ${id}`,
  );
  return row;
}

beforeAll(async () => {
  const url = await createTestDatabase(inject('postgresUrl'));
  conn = connectPostgres(url);
  bus = new EventBus(url, conn.db, { retryLimit: 1, retryDelaySeconds: 0 });
  await bus.start();
  await bus.subscribe(CONSUMER, onEmployeeChanged);
});

afterAll(async () => {
  await bus.stop();
  await conn.close();
});

describe('tasks.employees', () => {
  it('adds, updates and deactivates employees as their events arrive', async () => {
    const ada = someone();
    await publish({ name: 'Employee.Created', data: ada });
    expect(await until(() => employee(ada.employee_id))).toEqual({
      full_name: ada.full_name,
      role: 'worker',
      email: ada.email,
      active: true,
    });

    await publish({ name: 'Employee.Updated', data: { ...ada, role: 'manager', full_name: 'Ada the Boss' } });
    await until(async () => (await employee(ada.employee_id))?.role === 'manager');
    expect(await employee(ada.employee_id)).toMatchObject({ full_name: 'Ada the Boss', active: true });

    await publish({ name: 'Employee.Deleted', data: { ...ada, role: 'manager', full_name: 'Ada the Boss' } });
    await until(async () => (await employee(ada.employee_id))?.active === false);
  });

  it('applies a whole batch for one employee in order, in one statement', async () => {
    const bob = someone('accountant');
    await publish(
      { name: 'Employee.Created', data: bob },
      { name: 'Employee.Updated', data: { ...bob, full_name: 'Bob Renamed' } },
    );
    expect(await until(() => employee(bob.employee_id))).toMatchObject({ full_name: 'Bob Renamed', active: true });

    const cid = someone();
    await publish(
      { name: 'Employee.Created', data: cid },
      { name: 'Employee.Deleted', data: cid },
      { name: 'Employee.Updated', data: { ...cid, full_name: 'Cid After Death' } },
    );
    expect(await until(() => employee(cid.employee_id))).toMatchObject({ full_name: 'Cid After Death', active: false });
  });

  it('never resurrects a deleted employee when an older Created or Updated arrives late', async () => {
    const dora = someone();
    const created = await publishHeldBack({ name: 'Employee.Created', data: dora });
    const updated = await publishHeldBack({ name: 'Employee.Updated', data: { ...dora, full_name: 'Dora 2' } });
    await publish({ name: 'Employee.Deleted', data: { ...dora, full_name: 'Dora 2' } });
    expect(await until(() => employee(dora.employee_id))).toMatchObject({ active: false });

    await deliverLate(updated);
    await deliverLate(created);
    expect(await employee(dora.employee_id)).toEqual({
      full_name: 'Dora 2',
      role: 'worker',
      email: dora.email,
      active: false,
    });
  });

  it('keeps the newest name and role when an older update arrives after a newer one', async () => {
    const eve = someone();
    await publish({ name: 'Employee.Created', data: eve });
    await until(() => employee(eve.employee_id));
    const promoted = await publishHeldBack({ name: 'Employee.Updated', data: { ...eve, role: 'manager' } });
    await publish({ name: 'Employee.Updated', data: { ...eve, role: 'accountant', full_name: 'Eve Counts' } });
    await until(async () => (await employee(eve.employee_id))?.role === 'accountant');

    await deliverLate(promoted);
    expect(await employee(eve.employee_id)).toMatchObject({
      role: 'accountant',
      full_name: 'Eve Counts',
      active: true,
    });
  });

  it('applies a redelivered event once: a repeat changes nothing', async () => {
    const fay = someone();
    const publishId = await publish({ name: 'Employee.Created', data: fay });
    await until(() => employee(fay.employee_id));
    const [job] = await bus.boss.findJobs<Record<string, unknown>>(CONSUMER, { data: { publish_id: publishId } });
    await publish({ name: 'Employee.Deleted', data: fay });
    await until(async () => (await employee(fay.employee_id))?.active === false);

    await deliverLate(job?.data ?? {});
    expect(await employee(fay.employee_id)).toMatchObject({ active: false });
    const [inbox] = await conn.db.execute<{ n: number }>(
      sql`select count(*)::int as n from bus.inbox i join bus.event_log l using (event_id)
          where i.consumer = ${CONSUMER} and l.data->>'employee_id' = ${fay.employee_id}`,
    );
    expect(inbox?.n).toBe(2);
  });
});
