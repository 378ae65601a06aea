import type { Executor } from '@ates/db';
import { sql } from 'drizzle-orm';
import type { CurrentEmployee } from '../http/env.ts';
import { conflict, forbidden } from '../http/problem.ts';
import { getTask } from './find.ts';
import type { Task } from './schemas.ts';
import { moneyData, PRODUCER, TASK_COLUMNS, type TaskDeps, taskData } from './task-rows.ts';

/**
 * Marks the caller's open task done. The update locks the row, so against a reassign running at
 * the same moment either this wins (the reassign skips the task) or it waits and finds the task
 * gone to someone else.
 */
export async function completeTask({ db, bus }: TaskDeps, caller: CurrentEmployee, id: string) {
  return db.transaction(async (tx) => {
    const [row] = await tx.execute<Task>(sql`
      with t as (
        update tasks.task set status = 'done', completed_at = now()
        where id = ${id} and status = 'open' and assignee_id = ${caller.id}
        returning *
      )
      select ${TASK_COLUMNS} from t join tasks.employee e on e.id = t.assignee_id`);
    if (!row) throw await whyNotCompleted(tx, caller, id);
    await bus.publish(tx, PRODUCER, [
      { name: 'Task.Updated', data: taskData(row) },
      { name: 'TaskCompleted', data: moneyData(row, row.rewardCents, row.completedAt as string) },
    ]);
    return row;
  });
}

async function whyNotCompleted(tx: Executor, caller: CurrentEmployee, id: string) {
  const task = await getTask(tx, caller, id);
  if (task.status === 'done') return conflict(`Task ${id} is already done.`);
  return forbidden(`Only the assignee, ${task.assigneeName}, can complete task ${id}.`);
}
