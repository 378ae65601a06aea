import type { Executor } from '@ates/db';
import type { EmployeeData, Envelope } from '@ates/db/bus';
import { EMPLOYEES_CHANGED_CHANNEL } from '@ates/db/schema';
import { sql } from 'drizzle-orm';

type EmployeeEvent = Envelope<'Employee.Created' | 'Employee.Updated' | 'Employee.Deleted'>;

interface EmployeeState extends EmployeeData {
  deleted: boolean;
  event_time: string;
}

/**
 * Keeps the tasks context's copy of the employees (who may be given a task) in step with the
 * Employee events, and tells the API processes (on commit) to drop their cached pools. Events may come late or out of order: the newest `event_time` decides the name,
 * role and email, and a deletion is final whenever it arrives, so nothing resurrects an employee.
 */
export async function onEmployeeChanged(tx: Executor, events: EmployeeEvent[]): Promise<void> {
  const states = foldByEmployee(events);
  if (states.length === 0) return;
  await tx.execute(sql`
    insert into tasks.employee as e (id, full_name, role, email, active, last_event_at)
    select r.employee_id, r.full_name, r.role, r.email, not r.deleted, r.event_time
    from jsonb_to_recordset(${JSON.stringify(states)}::jsonb)
      as r(employee_id text, full_name text, role text, email text, deleted boolean, event_time timestamptz)
    on conflict (id) do update set
      full_name = case when excluded.last_event_at >= e.last_event_at then excluded.full_name else e.full_name end,
      role = case when excluded.last_event_at >= e.last_event_at then excluded.role else e.role end,
      email = case when excluded.last_event_at >= e.last_event_at then excluded.email else e.email end,
      active = e.active and excluded.active,
      last_event_at = greatest(e.last_event_at, excluded.last_event_at)`);
  await tx.execute(sql`select pg_notify(${EMPLOYEES_CHANGED_CHANNEL}, '')`);
}

/** One row per employee, since one statement may not touch a row twice: the batch folded in order. */
function foldByEmployee(events: EmployeeEvent[]): EmployeeState[] {
  const states = new Map<string, EmployeeState>();
  for (const event of events) {
    const { data } = event;
    const deleted = event.event_name === 'Employee.Deleted';
    const known = states.get(data.employee_id);
    if (!known || Date.parse(event.event_time) >= Date.parse(known.event_time)) {
      states.set(data.employee_id, { ...data, deleted: deleted || !!known?.deleted, event_time: event.event_time });
    } else if (deleted) {
      known.deleted = true;
    }
  }
  return [...states.values()];
}
