import { money, taskTitle } from '../../render.ts';
import { type Task, TaskCommand, taskArg } from '../../tasks.ts';

export default class TaskComplete extends TaskCommand {
  static override summary = 'Mark your task done; its reward is paid to you';
  static override description = 'Only the task’s current assignee may complete it, and only once.';
  static override examples = ['<%= config.bin %> task complete 0193b6a2-…'];
  static override args = { id: taskArg };

  async run(): Promise<Task> {
    const { args } = await this.parse(TaskComplete);
    const task = await this.request<Task>(
      'POST',
      `/v1/tasks/${encodeURIComponent(await this.taskId(args.id))}/complete`,
    );
    this.log(`Done: ${taskTitle(task)}. Its reward of ${money(task.rewardCents)} is yours.`);
    return task;
  }
}
