import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { Role } from '../bus/events.ts';

export const tasks = pgSchema('tasks');

/** Notified when the tasks context's list of employees changes, so cached copies of it are dropped. */
export const EMPLOYEES_CHANGED_CHANNEL = 'tasks_employees_changed';

/**
 * The tasks context's own copy of the employees, fed only by Employee events. `active` turns
 * false when Employee.Deleted is applied and never back: a deleted employee is never resurrected.
 */
export const employee = tasks.table(
  'employee',
  {
    id: text('id').primaryKey(),
    fullName: text('full_name').notNull(),
    role: text('role').$type<Role>().notNull(),
    email: text('email').notNull(),
    active: boolean('active').notNull(),
    /** `event_time` of the newest Employee event applied: an older one arriving late changes nothing. */
    lastEventAt: timestamp('last_event_at', { withTimezone: true, mode: 'string' }).notNull(),
  },
  (t) => [
    check('employee_role_check', sql`${t.role} in ('admin', 'manager', 'accountant', 'worker')`),
    index('employee_assignable_idx').on(t.id).where(sql`${t.active} and ${t.role} not in ('admin', 'manager')`),
  ],
);

export type TaskStatus = 'open' | 'done';

export const task = tasks.table(
  'task',
  {
    /** A UUIDv7, so ids sort by creation time: the id is the keyset of list cursors. */
    id: uuid('id').primaryKey(),
    title: text('title').notNull(),
    jiraId: text('jira_id'),
    description: text('description'),
    status: text('status').$type<TaskStatus>().notNull().default('open'),
    assignFeeCents: integer('assign_fee_cents').notNull(),
    rewardCents: integer('reward_cents').notNull(),
    /** Always an employee drawn from `employee`, in the same statement: no foreign key to check per row. */
    assigneeId: text('assignee_id').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true, mode: 'string' }),
  },
  (t) => [
    check('task_title_check', sql`${t.title} <> '' and ${t.title} !~ '[][]'`),
    check('task_jira_id_check', sql`${t.jiraId} ~ '^[A-Z][A-Z0-9]*-[0-9]+$'`),
    check('task_status_check', sql`${t.status} in ('open', 'done')`),
    check('task_done_has_time_check', sql`(${t.status} = 'done') = (${t.completedAt} is not null)`),
    check('task_assign_fee_check', sql`${t.assignFeeCents} between 1000 and 2000 and ${t.assignFeeCents} % 100 = 0`),
    check('task_reward_check', sql`${t.rewardCents} between 2000 and 4000 and ${t.rewardCents} % 100 = 0`),
    // Done tasks only: a reassign rewrites every open task, and each index it has to update costs it.
    index('task_done_id_idx').on(t.id).where(sql`${t.status} = 'done'`),
    index('task_assignee_status_id_idx').on(t.assigneeId, t.status, t.id),
  ],
);

/**
 * What `task list --jira` and `--search` find tasks by, kept beside `task` by triggers that copy
 * a task's text on create and edit (migration 0004). Apart from `task` because a reassign
 * rewrites every open task's row, and every index of `task` costs it an entry per task: a
 * trigram index most of all. The text changes only on create and edit.
 */
export const taskSearch = tasks.table(
  'task_search',
  {
    taskId: uuid('task_id').primaryKey(),
    jiraId: text('jira_id'),
    /** Title and description, as `ILIKE '%text%'` searches them. */
    text: text('text').notNull(),
  },
  (t) => [
    index('task_search_jira_id_idx').on(t.jiraId, t.taskId),
    index('task_search_text_trgm_idx').using('gin', sql`${t.text} gin_trgm_ops`),
  ],
);

/**
 * The tasks that creators held to ATES_TASKS_PER_HOUR made in the last hour, counted at each of
 * their creations, which also prunes what has left the hour. Kept apart from `task`: a reassign
 * rewrites every open task, and an index of `task` by creator would cost it an entry per task.
 */
export const creationQuota = tasks.table(
  'creation_quota',
  {
    taskId: uuid('task_id').primaryKey(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull(),
  },
  (t) => [index('creation_quota_created_by_created_at_idx').on(t.createdBy, t.createdAt)],
);
