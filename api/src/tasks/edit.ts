import { sql } from 'drizzle-orm';
import type { CurrentEmployee } from '../http/env.ts';
import { conflict, forbidden, notFound } from '../http/problem.ts';
import type { Task, UpdateTaskInput } from './schemas.ts';
import { PRODUCER, SEES_ALL, TASK_COLUMNS, type TaskDeps, taskData } from './task-rows.ts';
import { titleAndJiraId } from './task-text.ts';

/**
 * Changes an open task's title, jira id or description and publishes its new state as a
 * Task.Updated, in one transaction that holds the task's row: a complete arriving meanwhile
 * waits, then finds the new text. The creator, managers and admins may edit; the assignee may
 * see the task but not edit it (403); anyone else is told no such task exists (404). An edit
 * that changes nothing writes and publishes nothing.
 */
export async function editTask({ db, bus }: TaskDeps, caller: CurrentEmployee, id: string, input: UpdateTaskInput) {
  return db.transaction(async (tx) => {
    const [before] = await tx.execute<Task>(sql`
      select ${TASK_COLUMNS} from tasks.task t join tasks.employee e on e.id = t.assignee_id
      where t.id = ${id} for update of t`);
    const mayEdit = before && (SEES_ALL.includes(caller.role) || before.createdBy === caller.id);
    if (!before || !(mayEdit || before.assigneeId === caller.id)) throw notFound(`No task ${id} that you can see.`);
    if (!mayEdit) throw forbidden('Only the task’s creator, a manager or an admin can edit it.');
    if (before.status === 'done') throw conflict(`Task ${id} is done: a done task can no longer be edited.`);
    const after = { ...before, ...editedText(before, input) };
    if (after.title === before.title && after.jiraId === before.jiraId && after.description === before.description) {
      return before;
    }
    await tx.execute(sql`
      update tasks.task set title = ${after.title}, jira_id = ${after.jiraId}, description = ${after.description}
      where id = ${id}`);
    await bus.publish(tx, PRODUCER, [{ name: 'Task.Updated', data: taskData(after) }]);
    return after;
  });
}

/** The text after an edit: a legacy `[UP-42] - Title` sets the jira id too, unless jiraId is given. */
function editedText(before: Task, input: UpdateTaskInput): Pick<Task, 'title' | 'jiraId' | 'description'> {
  const split =
    input.title === undefined ? undefined : titleAndJiraId({ title: input.title, jiraId: input.jiraId ?? undefined });
  return {
    title: split?.title ?? before.title,
    jiraId: input.jiraId !== undefined ? (input.jiraId ?? split?.jiraId ?? null) : (split?.jiraId ?? before.jiraId),
    description: input.description === undefined ? before.description : input.description,
  };
}
