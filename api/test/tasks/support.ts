import { randomUUID } from 'node:crypto';
import { connectPostgres, type PostgresConnection } from '@ates/db';
import { EventBus, type Role } from '@ates/db/bus';
import { createTestDatabase } from '@ates/db/testing';
import { sql } from 'drizzle-orm';
import { inject } from 'vitest';
import type { CurrentEmployee } from '../../src/http/env.ts';
import type { TaskDeps } from '../../src/tasks/task-rows.ts';

export interface TasksDatabase {
  url: string;
  conn: PostgresConnection;
  bus: EventBus;
  deps: TaskDeps;
  stop(): Promise<void>;
}

/** A fresh migrated database with the bus started: what the tasks service runs on. */
export async function tasksDatabase(): Promise<TasksDatabase> {
  const url = await createTestDatabase(inject('postgresUrl'));
  const conn = connectPostgres(url);
  const bus = new EventBus(url, conn.db);
  await bus.start();
  return {
    url,
    conn,
    bus,
    deps: { db: conn.db, bus },
    async stop() {
      await bus.stop();
      await conn.close();
    },
  };
}

/**
 * Puts employees straight into the tasks context's own list, as its Employee consumer would
 * (that consumer has its own tests in jobs/test/tasks).
 */
export async function hire(conn: PostgresConnection, role: Role, count = 1): Promise<CurrentEmployee[]> {
  const hired = Array.from({ length: count }, () => {
    const id = randomUUID();
    return { id, role, email: `${id}@popug.inc`, fullName: `${role} ${id.slice(0, 8)}` };
  });
  await conn.db.execute(sql`
    insert into tasks.employee (id, full_name, role, email, active, last_event_at)
    select r.id, r."fullName", r.role, r.email, true, now()
    from jsonb_to_recordset(${JSON.stringify(hired)}::jsonb) as r(id text, "fullName" text, role text, email text)`);
  return hired;
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function inParallel<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}
