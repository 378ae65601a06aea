import { Args, Errors } from '@oclif/core';
import { AtesCommand, EXIT, type IdLookup, prompts } from './base-command.ts';
import type { Schema } from './client.ts';
import { shortIds, taskTitle } from './render.ts';

export type Task = Schema<'Task'>;

export const taskArg = Args.string({
  description: 'the task’s id, or the start of it `ates task list` shows [default: pick one of your open tasks]',
});

/** Where a short task id is looked up: the tasks the caller can see, newest (highest id) first. */
const TASKS: IdLookup = {
  noun: 'task',
  list: (api, page) => api.GET('/v1/tasks', { params: { query: page } }),
  idDescending: true,
};

/** A command about one task: named by its id or a unique start of it, or picked at a terminal. */
export abstract class TaskCommand extends AtesCommand {
  protected async taskId(given: string | undefined): Promise<string> {
    if (given !== undefined) return this.resolveId(given, TASKS);
    if (!process.stdin.isTTY)
      Errors.error('Missing the task id: pass it when not at a terminal.', { exit: EXIT.badInput });
    const { items } = await this.call((api) =>
      api.GET('/v1/tasks', { params: { query: { assignee: 'me', status: 'open', limit: 200 } } }),
    );
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
