import { randomUUID } from 'node:crypto';
import { connectPostgres, type PostgresConnection } from '@ates/db';
import {
  type Consumer,
  type Envelope,
  EventBus,
  LEDGER_CONSUMER,
  type LedgerEventData,
  type NewEvent,
  type RetryPolicy,
} from '@ates/db/bus';
import { appendRawEvents, createTestDatabase } from '@ates/db/testing';
import { sql } from 'drizzle-orm';
import { inject } from 'vitest';
import { ledgerHandler } from '../../src/accounting/ledger.ts';

export const TIME_ZONE = 'UTC';

export interface Ledger {
  conn: PostgresConnection;
  bus: EventBus;
  /** Publishes events as another context would, in one transaction; returns them as logged. */
  publish(events: NewEvent[]): Promise<Envelope[]>;
  /** Waits until the named queues have nothing queued, retrying or running. */
  settle(queues?: Consumer[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A fresh database with the bus started and the ledger consumer subscribed, as the workers run it;
 * the patient consumers give up after a few seconds unless `patientRetry` says otherwise.
 */
export async function startLedger(
  options: { subscribe?: boolean; patientRetry?: Partial<RetryPolicy>; timeZone?: string } = {},
): Promise<Ledger> {
  const url = await createTestDatabase(inject('postgresUrl'));
  const conn = connectPostgres(url);
  const patientRetry = options.patientRetry ?? { delaySeconds: 1, maxDelaySeconds: 1, forSeconds: 2 };
  const bus = new EventBus(url, conn.db, { retryLimit: 2, retryDelaySeconds: 1, patientRetry });
  await bus.start();
  if (options.subscribe ?? true)
    await bus.subscribe(LEDGER_CONSUMER, ledgerHandler(bus, options.timeZone ?? TIME_ZONE));
  return {
    conn,
    bus,
    publish: (events) => conn.db.transaction((tx) => bus.publish(tx, 'test', events)),
    settle: (queues = [LEDGER_CONSUMER]) => bus.settle(queues),
    async stop() {
      await bus.stop();
      await conn.close();
    },
  };
}

export function employeeCreated(id = randomUUID(), name = 'Ada Popug', email = `${id}@popug.inc`): NewEvent {
  return { name: 'Employee.Created', data: { employee_id: id, full_name: name, role: 'worker', email } };
}

interface TaskFields {
  title?: string;
  jiraId?: string | null;
  description?: string | null;
  fee?: number;
  reward?: number;
}

export function taskCreated(taskId: string, assignee: string, fields: TaskFields = {}): NewEvent {
  return taskEvent('Task.Created', taskId, assignee, fields);
}

export function taskUpdated(taskId: string, assignee: string, fields: TaskFields = {}): NewEvent {
  return taskEvent('Task.Updated', taskId, assignee, fields);
}

function taskEvent(
  name: 'Task.Created' | 'Task.Updated',
  taskId: string,
  assignee: string,
  fields: TaskFields,
): NewEvent {
  return {
    name,
    data: {
      task_id: taskId,
      title: fields.title ?? 'Fix the beak',
      jira_id: fields.jiraId === undefined ? 'UP-42' : fields.jiraId,
      description: fields.description === undefined ? 'It squeaks' : fields.description,
      status: 'open',
      fee: fields.fee ?? 1000,
      reward: fields.reward ?? 2000,
      assignee,
      completed_at: null,
    },
  };
}

export function assigned(taskId: string, employeeId: string, amount: number): NewEvent {
  return {
    name: 'TaskAssigned',
    data: { task_id: taskId, employee_id: employeeId, amount, at: new Date().toISOString() },
  };
}

export function completed(taskId: string, employeeId: string, amount: number): NewEvent {
  return {
    name: 'TaskCompleted',
    data: { task_id: taskId, employee_id: employeeId, amount, at: new Date().toISOString() },
  };
}

/**
 * Appends an event to the log as if it had been published at `eventTime`, and delivers it to the
 * ledger: how an event that was held up in another stream arrives after newer ones.
 */
export async function deliverLate(ledger: Ledger, event: NewEvent, eventTime: string): Promise<void> {
  const raw = {
    event_id: randomUUID(),
    event_name: event.name,
    event_version: event.name.startsWith('Task.') ? 2 : 1,
    data: event.data,
  };
  const delivery = await appendRawEvents(ledger.conn.db, [raw], { eventTime });
  await ledger.bus.boss.send(LEDGER_CONSUMER, delivery);
}

/** Sends the delivery job carrying an event to a queue once more, as pg-boss does after an expiry. */
export async function redeliver(ledger: Ledger, eventId: string, queue = LEDGER_CONSUMER): Promise<void> {
  await ledger.bus.settle([]);
  const [row] = await ledger.conn.db.execute<{ publish_id: string }>(
    sql`select publish_id from bus.event_log where event_id = ${eventId}`,
  );
  const jobs = await ledger.bus.boss.findJobs<object>(queue, { data: { publish_id: row?.publish_id } });
  if (jobs.length === 0) throw new Error(`no ${queue} delivery carries event ${eventId}`);
  for (const job of jobs) await ledger.bus.boss.send(queue, job.data);
}

export async function balanceOf(ledger: Ledger, employeeId: string): Promise<number | undefined> {
  const [row] = await ledger.conn.db.execute<{ balance: string }>(
    sql`select balance from accounting.accounts where employee_id = ${employeeId}`,
  );
  return row ? Number(row.balance) : undefined;
}

export async function houseBalance(ledger: Ledger, kind: 'company' | 'payouts'): Promise<number> {
  const [row] = await ledger.conn.db.execute<{ balance: string }>(
    sql`select balance from accounting.accounts where kind = ${kind}`,
  );
  return Number(row?.balance);
}

/** The events accounting published, by name, oldest first. */
export async function published(ledger: Ledger, name: string): Promise<LedgerEventData[]> {
  const rows = await ledger.conn.db.execute<{ data: LedgerEventData }>(
    sql`select data from bus.event_log where producer = 'accounting' and event_name = ${name} order by position`,
  );
  return rows.map((r) => r.data);
}

/** The database's own message for a refused statement (drizzle wraps it as the cause). */
export async function refusal(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    const cause = (error as Error).cause;
    return cause instanceof Error ? cause.message : (error as Error).message;
  }
  throw new Error('the database accepted it');
}
