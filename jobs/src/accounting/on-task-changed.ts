import type { Executor } from '@ates/db';
import type { Envelope } from '@ates/db/bus';
import { sql } from 'drizzle-orm';

interface TaskState {
  task_id: string;
  jira_id: string | null;
  title: string;
  description: string | null;
  event_time: string;
}

/**
 * Keeps accounting's copy of each task's jira id, title and description, which the audit log
 * shows beside every fee and reward. The newest `event_time` decides; a late older event changes nothing.
 */
export async function onTaskChanged(tx: Executor, events: Envelope[]): Promise<void> {
  const states = foldByTask(events);
  if (states.length === 0) return;
  await tx.execute(sql`
    insert into accounting.tasks as t (task_id, jira_id, title, description, last_event_at)
    select r.task_id, r.jira_id, r.title, r.description, r.event_time
    from jsonb_to_recordset(${JSON.stringify(states)}::jsonb)
      as r(task_id text, jira_id text, title text, description text, event_time timestamptz)
    on conflict (task_id) do update set
      jira_id = excluded.jira_id, title = excluded.title, description = excluded.description,
      last_event_at = excluded.last_event_at
    where excluded.last_event_at >= t.last_event_at`);
}

function foldByTask(events: Envelope[]): TaskState[] {
  const states = new Map<string, TaskState>();
  for (const event of events) {
    if (event.event_name !== 'Task.Created' && event.event_name !== 'Task.Updated') continue;
    const { task_id, jira_id, title, description } = event.data;
    const known = states.get(task_id);
    if (!known || Date.parse(event.event_time) >= Date.parse(known.event_time)) {
      states.set(task_id, { task_id, jira_id, title, description, event_time: event.event_time });
    }
  }
  return [...states.values()];
}
