import type { Database, Executor } from '@ates/db';
import { type SQL, sql } from 'drizzle-orm';
import type { CurrentEmployee } from '../http/env.ts';
import { forbidden, notFound } from '../http/problem.ts';
import type { ListTasksInput, Task } from './schemas.ts';
import { SEES_ALL, TASK_COLUMNS } from './task-rows.ts';

/**
 * A page of tasks, newest first. Workers and accountants see only their own: asking for someone
 * else's is refused (403) rather than silently answered with an empty page.
 */
export async function listTasks(db: Database, caller: CurrentEmployee, query: ListTasksInput) {
  const asked = query.assignee === 'me' || query.assignee?.toLowerCase() === caller.email ? caller.id : query.assignee;
  if (!SEES_ALL.includes(caller.role) && asked !== undefined && asked !== caller.id) {
    throw forbidden('Workers and accountants list only their own tasks.');
  }
  const assignee = SEES_ALL.includes(caller.role) ? asked : caller.id;
  const conditions: SQL[] = [sql`true`];
  if (assignee?.includes('@')) {
    conditions.push(sql`t.assignee_id in (select id from tasks.employee where lower(email) = lower(${assignee}))`);
  } else if (assignee !== undefined) conditions.push(sql`t.assignee_id = ${assignee}`);
  if (query.status) conditions.push(sql`t.status = ${query.status}`);
  if (query.jiraId)
    conditions.push(sql`t.id in (select task_id from tasks.task_search where jira_id = ${query.jiraId})`);
  if (query.search) {
    const pattern = `%${query.search.replaceAll(/[\\%_]/g, '\\$&')}%`;
    conditions.push(sql`t.id in (select task_id from tasks.task_search where text ilike ${pattern})`);
  }
  if (query.cursor) conditions.push(sql`t.id < ${query.cursor}`);
  const rows = await db.execute<Task>(sql`
    select ${TASK_COLUMNS} from tasks.task t join tasks.employee e on e.id = t.assignee_id
    where ${sql.join(conditions, sql` and `)}
    order by t.id desc limit ${query.limit + 1}`);
  const items = rows.slice(0, query.limit);
  return { items, nextCursor: rows.length > query.limit ? (items.at(-1)?.id ?? null) : null };
}

/** The task if the caller may see it; otherwise a 404 that does not tell whether it exists. */
export async function getTask(db: Executor, caller: CurrentEmployee, id: string): Promise<Task> {
  const [row] = await db.execute<Task>(sql`
    select ${TASK_COLUMNS} from tasks.task t join tasks.employee e on e.id = t.assignee_id where t.id = ${id}`);
  if (!row || !(SEES_ALL.includes(caller.role) || row.assigneeId === caller.id)) {
    throw notFound(`No task ${id} that you can see.`);
  }
  return row;
}
