import { Flags } from '@oclif/core';
import { EXIT } from '../../base-command.ts';
import { describeTask } from '../../render.ts';
import { type Task, TaskCommand, taskArg } from '../../tasks.ts';

export default class TaskEdit extends TaskCommand {
  static override summary = "Change an open task's title, jira id or description";
  static override description =
    'The creator, a manager or an admin may edit an open task; its prices, assignee and status stay as they are. ' +
    'A title written the old way, "[UP-42] - Fix the beak", sets the jira id too. An empty --jira-id or ' +
    '--description removes it. Done tasks cannot be edited (exit 6).';
  static override examples = [
    '<%= config.bin %> task edit 0193b6a2-… --title "Fix the beak, gently"',
    '<%= config.bin %> task edit 0193b6a2-… --title "[UP-42] - Fix the beak" --description ""',
    '<%= config.bin %> task edit 0193b6a2-… --jira-id UP-43 --json',
  ];
  static override args = { id: taskArg };
  static override flags = {
    title: Flags.string({ description: 'the new title' }),
    'jira-id': Flags.string({ description: 'the jira issue, like UP-42 ("" removes it)' }),
    description: Flags.string({ description: 'the new description ("" removes it)' }),
  };

  async run(): Promise<Task> {
    const { args, flags } = await this.parse(TaskEdit);
    const { title, 'jira-id': jiraId, description } = flags;
    if (title === undefined && jiraId === undefined && description === undefined) {
      this.error('Nothing to change: give --title, --jira-id or --description.', { exit: EXIT.badInput });
    }
    const id = await this.taskId(args.id);
    const changes = {
      title,
      jiraId: jiraId === '' ? null : jiraId,
      description: description === '' ? null : description,
    };
    const task = await this.call((api) => api.PATCH('/v1/tasks/{id}', { params: { path: { id } }, body: changes }));
    this.log(describeTask(task));
    return task;
  }
}
