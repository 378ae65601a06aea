import { money, taskTitle } from '../../render.ts';
import { type Task, TaskCommand, taskArg } from '../../tasks.ts';

export default class TaskComplete extends TaskCommand {
  static override summary = 'Mark your task done; its reward is paid to you';
  static override description =
    'Only the task’s current assignee may complete it, and only once. At a terminal without an id, pick one of your open tasks.';
  static override examples = ['<%= config.bin %> task complete', '<%= config.bin %> task complete 0193b6a2-7c1f'];
  static override args = { id: taskArg };

  async run(): Promise<Task> {
    const { args } = await this.parse(TaskComplete);
    const id = await this.taskId(args.id);
    const task = await this.call((api) => api.POST('/v1/tasks/{id}/complete', { params: { path: { id } } }));
    this.log(`Done: ${taskTitle(task)}. Its reward of ${money(task.rewardCents)} is yours.`);
    return task;
  }
}
