import { Flags } from '@oclif/core';
import { AtesCommand, confirmOrStop } from '../../base-command.ts';

export default class BusDiscard extends AtesCommand {
  static override summary = 'Drop dead-lettered deliveries for good (admin)';
  static override description = `Their events stay in the event log: \`ates bus replay\` can still deliver them.
Asks first at a terminal; elsewhere pass --yes.`;
  static override examples = [
    '<%= config.bin %> bus discard --consumer analytics.projection --id 3f0c…',
    '<%= config.bin %> bus discard --consumer accounting.ledger --yes --json',
  ];
  static override flags = {
    consumer: Flags.string({ description: 'the consumer whose dead letters to drop', required: true }),
    id: Flags.string({
      description: 'only this dead letter (repeatable); all of the consumer’s without it',
      multiple: true,
    }),
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation' }),
  };

  async run() {
    const { flags } = await this.parse(BusDiscard);
    const which = flags.id ? `${flags.id.length} dead letter(s)` : 'every dead letter';
    await confirmOrStop(`Drop ${which} of ${flags.consumer} for good?`, {
      yes: flags.yes,
      action: 'discard dead letters',
    });
    const result = await this.call((api) =>
      api.POST('/v1/dead-letters/discard', {
        body: { consumer: flags.consumer, ...(flags.id ? { ids: flags.id } : {}) },
      }),
    );
    this.log(
      `Discarded ${result.discarded} dead ${result.discarded === 1 ? 'letter' : 'letters'} of ${flags.consumer}.`,
    );
    return result;
  }
}
