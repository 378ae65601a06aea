import { Flags } from '@oclif/core';
import { AtesCommand, type IdLookup } from '../../base-command.ts';

export default class BusRetry extends AtesCommand {
  static override summary = 'Send dead-lettered deliveries back to their consumer (admin)';
  static override examples = [
    '<%= config.bin %> bus retry --consumer accounting.ledger',
    '<%= config.bin %> bus retry --consumer accounting.ledger --id 3f0c… --id 9a1d…',
  ];
  static override flags = {
    consumer: Flags.string({ description: 'the consumer whose dead letters to retry', required: true }),
    id: Flags.string({
      description: 'only this dead letter, by its id or a unique start of it (repeatable)',
      multiple: true,
    }),
  };

  async run() {
    const { flags } = await this.parse(BusRetry);
    const letters: IdLookup = {
      noun: 'dead letter',
      list: (api, page) => api.GET('/v1/dead-letters', { params: { query: { ...page, consumer: flags.consumer } } }),
    };
    const ids = flags.id && (await Promise.all(flags.id.map((id) => this.resolveId(id, letters))));
    const result = await this.call((api) =>
      api.POST('/v1/dead-letters/retry', { body: { consumer: flags.consumer, ...(ids ? { ids } : {}) } }),
    );
    this.log(`${result.retried} ${result.retried === 1 ? 'delivery' : 'deliveries'} sent back to ${flags.consumer}.`);
    return result;
  }
}
