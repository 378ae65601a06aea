import type { Executor } from '@ates/db';
import { type EmployeeData, type Envelope, eventsNamed } from '@ates/db/bus';
import { sql } from 'drizzle-orm';

interface EmployeeState extends EmployeeData {
  event_time: string;
}

/**
 * Keeps accounting's copy of the employees (the name and email a payout mail goes to) and opens an
 * account for each one seen. The newest `event_time` decides. A deleted employee keeps their
 * account: what they are owed is still paid out at the close of the day.
 */
export async function onEmployeeChanged(tx: Executor, events: Envelope[]): Promise<void> {
  const states = foldByEmployee(events);
  if (states.length === 0) return;
  await tx.execute(sql`
    insert into accounting.employees as e (employee_id, full_name, email, last_event_at)
    select r.employee_id, r.full_name, r.email, r.event_time
    from jsonb_to_recordset(${JSON.stringify(states)}::jsonb)
      as r(employee_id text, full_name text, email text, event_time timestamptz)
    on conflict (employee_id) do update set
      full_name = excluded.full_name, email = excluded.email, last_event_at = excluded.last_event_at
    where excluded.last_event_at >= e.last_event_at`);
  await openAccounts(
    tx,
    states.map((state) => state.employee_id),
  );
}

/** Every employee has an account from the first event that names them, whichever stream it is on. */
export async function openAccounts(tx: Executor, employeeIds: string[]): Promise<void> {
  if (employeeIds.length === 0) return;
  await tx.execute(sql`
    insert into accounting.accounts (kind, employee_id)
    select 'employee', id from jsonb_array_elements_text(${JSON.stringify(employeeIds)}::jsonb) as id order by id
    on conflict (employee_id) do nothing`);
}

/** One row per employee, since one statement may not touch a row twice: the newest event of the batch. */
function foldByEmployee(events: Envelope[]): EmployeeState[] {
  const states = new Map<string, EmployeeState>();
  for (const event of eventsNamed(events, 'Employee.Created', 'Employee.Updated', 'Employee.Deleted')) {
    const { data } = event;
    const known = states.get(data.employee_id);
    if (!known || Date.parse(event.event_time) >= Date.parse(known.event_time)) {
      states.set(data.employee_id, { ...data, event_time: event.event_time });
    }
  }
  return [...states.values()];
}
