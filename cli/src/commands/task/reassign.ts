import { Flags } from '@oclif/core';
import { AtesCommand, confirmOrStop } from '../../base-command.ts';
import { count, whileWaiting } from '../../render.ts';

export default class TaskReassign extends AtesCommand {
  static override summary = 'Give every open task to a random worker or accountant (manager, admin)';
  static override description =
    'Each open task goes to a uniformly random worker or accountant, possibly the same one, who is charged its fee ' +
    'again. Asks first at a terminal; elsewhere pass --yes.';
  static override examples = ['<%= config.bin %> task reassign', '<%= config.bin %> task reassign --yes --json'];
  static override flags = {
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation' }),
  };

  async run() {
    const { flags } = await this.parse(TaskReassign);
    await confirmOrStop('Reassign every open task? Whoever receives one is charged its fee again.', {
      yes: flags.yes,
      action: 'reassign',
    });
    const result = await whileWaiting(
      'Reassigning the open tasks',
      this.call((api) => api.POST('/v1/tasks/reassign')),
    );
    this.log(
      result.movedTasks === 0
        ? 'There are no open tasks: nothing moved.'
        : `Moved ${count(result.movedTasks)} open task${result.movedTasks === 1 ? '' : 's'} ` +
            `to ${count(result.employees)} employee${result.employees === 1 ? '' : 's'}.`,
    );
    return result;
  }
}
