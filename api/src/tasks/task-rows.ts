import { randomBytes } from 'node:crypto';
import { type Database, isoTime } from '@ates/db';
import type { EventBus, Role, TaskData } from '@ates/db/bus';
import { sql } from 'drizzle-orm';
import type { Task } from './schemas.ts';

/**
 * What every use case of the tasks context shares: its dependencies, the columns it reads a task
 * by, and the data of the events it publishes (Task.Created, Task.Updated, TaskAssigned,
 * TaskCompleted).
 */
export interface TaskDeps {
  db: Database;
  bus: EventBus;
}

export const PRODUCER = 'tasks';
/** Managers and admins see and list every task; everyone else only the tasks assigned to them. */
export const SEES_ALL: Role[] = ['manager', 'admin'];

export const NO_ASSIGNABLE =
  'Nobody can take the task: there is no active worker or accountant other than its creator, ' +
  'and no one is given a task they created. Add one first.';

/** What a task's events carry, from a task row `t`. */
export const EVENT_COLUMNS = `t.id, t.title, t.jira_id as "jiraId", t.description, t.status,
  t.assign_fee_cents as "assignFeeCents", t.reward_cents as "rewardCents", t.assignee_id as "assigneeId",
  ${isoTime('t.completed_at')} as "completedAt"`;

/** A task as the API shows it: `t` is the task, `e` its assignee. */
export const TASK_COLUMNS = sql.raw(`${EVENT_COLUMNS}, e.full_name as "assigneeName", t.created_by as "createdBy",
  ${isoTime('t.created_at')} as "createdAt"`);

export type EventRow = Pick<
  Task,
  'id' | 'title' | 'jiraId' | 'description' | 'status' | 'assignFeeCents' | 'rewardCents' | 'assigneeId' | 'completedAt'
>;

/** A time-ordered UUID (RFC 9562 v7): task ids sort by creation, so the last id seen is the cursor. */
export function uuidv7(): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(Date.now(), 0, 6);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The data of a Task.Created or Task.Updated: the task as it now is. */
export function taskData(task: EventRow): TaskData {
  return {
    task_id: task.id,
    title: task.title,
    jira_id: task.jiraId,
    description: task.description,
    status: task.status,
    fee: task.assignFeeCents,
    reward: task.rewardCents,
    assignee: task.assigneeId,
    completed_at: task.completedAt,
  };
}

/** The data of a TaskAssigned (the fee) or a TaskCompleted (the reward). */
export function moneyData(task: EventRow, amount: number, at: string) {
  return { task_id: task.id, employee_id: task.assigneeId, amount, at };
}
