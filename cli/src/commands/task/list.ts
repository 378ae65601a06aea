import { Flags } from '@oclif/core';
import { AtesCommand } from '../../base-command.ts';
import type { Schema } from '../../client.ts';
import { EMPLOYEES } from '../../identity.ts';
import { taskTable } from '../../render.ts';
import type { Task } from '../../tasks.ts';

export default class TaskList extends AtesCommand {
  static override summary = 'List tasks, newest first';
  static override description =
    'Managers and admins see every task (--mine for their own); workers and accountants see the tasks assigned to ' +
    'them. Find tasks by jira id, by text in the title or description (--search, ignoring case) or by assignee.';
  static override examples = [
    '<%= config.bin %> task list',
    '<%= config.bin %> task list --mine --status open',
    '<%= config.bin %> task list --jira-id UP-42',
    '<%= config.bin %> task list --search beak --assignee kesha@popug.inc',
    '<%= config.bin %> task list --assignee 3f2b8c1e-… --status done --all --json',
  ];
  static override flags = {
    mine: Flags.boolean({ description: 'only the tasks assigned to you', exclusive: ['assignee'] }),
    assignee: Flags.string({
      description: 'only the tasks of this employee, by email, id or a unique start of the id (managers and admins)',
    }),
    'jira-id': Flags.string({ description: 'only the tasks of this jira issue, like UP-42' }),
    search: Flags.string({ description: 'only tasks whose title or description contains this text' }),
    status: Flags.option({ description: 'only open or done tasks', options: ['open', 'done'] as const })(),
    limit: Flags.integer({ description: 'tasks per page', min: 1, max: 200, default: 50 }),
    cursor: Flags.string({ description: 'the page after this cursor (the nextCursor of a previous page)' }),
    all: Flags.boolean({ description: 'every page, not just the first', exclusive: ['cursor'] }),
  };

  async run(): Promise<Schema<'TaskList'>> {
    const { flags } = await this.parse(TaskList);
    const assignee = flags.mine ? 'me' : flags.assignee && (await this.resolveId(flags.assignee, EMPLOYEES));
    const query = {
      limit: flags.limit,
      assignee: assignee || undefined,
      status: flags.status,
      jiraId: flags['jira-id'] || undefined,
      search: flags.search,
      cursor: flags.cursor || undefined,
    };
    const items: Task[] = [];
    let nextCursor: string | null;
    do {
      const page = await this.call((api) => api.GET('/v1/tasks', { params: { query } }));
      items.push(...page.items);
      nextCursor = page.nextCursor;
      if (nextCursor) query.cursor = nextCursor;
    } while (flags.all && nextCursor);
    this.log(items.length === 0 ? 'No tasks match.' : taskTable(items));
    if (nextCursor) this.log(`More: add --cursor ${nextCursor} (or --all).`);
    return { items, nextCursor };
  }
}
