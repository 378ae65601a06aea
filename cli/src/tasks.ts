import { Args } from '@oclif/core';

/** What the tasks API answers (see api/src/tasks/schemas.ts). */
export interface Task {
  id: string;
  title: string;
  jiraId: string | null;
  description: string | null;
  status: 'open' | 'done';
  assignFeeCents: number;
  rewardCents: number;
  assigneeId: string;
  assigneeName: string;
  createdBy: string;
  createdAt: string;
  completedAt: string | null;
}

export interface TaskPage {
  items: Task[];
  nextCursor: string | null;
}

export const taskArg = Args.string({ description: 'the task id (from `ates task list`)', required: true });
