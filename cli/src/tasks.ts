import { Args, Errors } from '@oclif/core';
import { AtesCommand, EXIT, type IdLookup, prompts } from './base-command.ts';
import { shortIds, taskTitle } from './render.ts';

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

export const taskArg = Args.string({
  description: 'the task’s id, or the start of it `ates task list` shows [default: pick one of your open tasks]',
});

/** Where a short task id is looked up: the tasks the caller can see, newest (highest id) first. */
const TASKS: IdLookup = { noun: 'task', path: '/v1/tasks', idDescending: true };

/** A command about one task: named by its id or a unique start of it, or picked at a terminal. */
export abstract class TaskCommand extends AtesCommand {
  protected async taskId(given: string | undefined): Promise<string> {
    if (given !== undefined) return this.resolveId(given, TASKS);
    if (!process.stdin.isTTY)
      Errors.error('Missing the task id: pass it when not at a terminal.', { exit: EXIT.badInput });
    const { items } = await this.request<TaskPage>('GET', '/v1/tasks?assignee=me&status=open&limit=200');
    if (items.length === 0) this.error('You have no open tasks to pick from: pass a task id.', { exit: EXIT.notFound });
    const short = shortIds(items.map((task) => task.id));
    const { select } = await prompts();
    return select({
      message: 'Which of your open tasks?',
      choices: items.map((task) => ({ name: `${short(task.id)}  ${taskTitle(task)}`, value: task.id })),
      pageSize: 10,
    });
  }
}
