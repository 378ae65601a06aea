import { describeTask } from '../../render.ts';
import { type Task, TaskCommand, taskArg } from '../../tasks.ts';

export default class TaskShow extends TaskCommand {
  static override summary = 'Show one task';
  static override description = 'At a terminal without an id, pick one of your open tasks.';
  static override examples = [
    '<%= config.bin %> task show',
    '<%= config.bin %> task show 0193b6a2-7c1f',
    '<%= config.bin %> task show 0193b6a2-7c1f-7a3e-9d2b-5e8f1a4c6b0d --json',
  ];
  static override args = { id: taskArg };

  async run(): Promise<Task> {
    const { args } = await this.parse(TaskShow);
    const id = await this.taskId(args.id);
    const task = await this.call((api) => api.GET('/v1/tasks/{id}', { params: { path: { id } } }));
    this.log(describeTask(task));
    return task;
  }
}
