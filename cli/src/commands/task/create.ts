import { JIRA_ID } from '@ates/db/bus';
import { Flags } from '@oclif/core';
import { AtesCommand, ask, prompts } from '../../base-command.ts';
import { describeTask, money, printable } from '../../render.ts';
import type { Task } from '../../tasks.ts';

export default class TaskCreate extends AtesCommand {
  static override summary = 'Create a task; it goes to a random worker or accountant';
  static override description =
    'Asks for the title (and then the optional jira id and description) when run at a terminal without --title. ' +
    'A title written the old way, "[UP-42] - Fix the beak", is split into jira id and title. ' +
    'The fee ($10..$20) and reward ($20..$40) are drawn once, now.';
  static override examples = [
    '<%= config.bin %> task create',
    '<%= config.bin %> task create --title "Fix the beak" --jira-id UP-42',
    '<%= config.bin %> task create --title "[UP-42] - Fix the beak" --description "It squeaks" --json',
  ];
  static override flags = {
    title: Flags.string({
      description:
        'what is to be done, with no [ or ] in it; the old form "[UP-42] - Fix the beak" is split into jira id and title',
    }),
    'jira-id': Flags.string({ description: 'the jira issue, like UP-42' }),
    description: Flags.string({ description: 'more words about it' }),
  };

  async run(): Promise<Task> {
    const { flags } = await this.parse(TaskCreate);
    const interactive = flags.title === undefined;
    const title =
      flags.title ?? (await ask('title', async () => (await prompts()).input({ message: 'Title', required: true })));
    const jiraId = flags['jira-id'] ?? (interactive ? await this.askJiraId() : undefined);
    const description =
      flags.description ??
      (interactive ? (await (await prompts()).input({ message: 'Description (optional)' })) || undefined : undefined);
    const task = await this.call((api) => api.POST('/v1/tasks', { body: { title, jiraId, description } }));
    this.log(describeTask(task));
    this.log(`Assigned to ${printable(task.assigneeName)}, who paid its fee of ${money(task.assignFeeCents)}.`);
    return task;
  }

  private async askJiraId(): Promise<string | undefined> {
    const answer = await (await prompts()).input({
      message: 'Jira id (optional, like UP-42)',
      validate: (value) => value === '' || JIRA_ID.test(value) || 'Like UP-42, or empty.',
    });
    return answer || undefined;
  }
}
