import { Flags } from '@oclif/core';
import { AtesCommand } from '../../base-command.ts';
import type { Schema } from '../../client.ts';
import { shortIds, table, time } from '../../render.ts';

export default class BusDeadLetters extends AtesCommand {
  static override summary = 'List deliveries that failed all their retries, and poison events (admin)';
  static override description =
    `A dead letter stays until \`ates bus retry\` sends it back or \`ates bus discard\` drops it.`;
  static override examples = [
    '<%= config.bin %> bus dead-letters',
    '<%= config.bin %> bus dead-letters --consumer accounting.ledger --json',
  ];
  static override flags = {
    consumer: Flags.string({ description: 'only this consumer, e.g. accounting.ledger' }),
  };

  async run(): Promise<{ items: Schema<'DeadLetter'>[] }> {
    const { flags } = await this.parse(BusDeadLetters);
    const items: Schema<'DeadLetter'>[] = [];
    let cursor: string | undefined;
    do {
      const query = { limit: 1000, consumer: flags.consumer, cursor };
      const page = await this.call((api) => api.GET('/v1/dead-letters', { params: { query } }));
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    if (items.length === 0) {
      this.log('No dead letters: every delivery was applied.');
      return { items };
    }
    const short = shortIds(items.map((letter) => letter.id));
    const rows = items.map((letter) => [
      short(letter.id),
      letter.consumer,
      time(letter.failedAt),
      letter.attempts,
      letter.events.map((e) => `${e.eventName} v${e.eventVersion ?? '?'}`).join(', ') ||
        '(no events: malformed delivery)',
      letter.reason ?? '',
    ]);
    this.log(table(['Id', 'Consumer', 'Failed at (UTC)', 'Attempts', 'Events', 'Reason'], rows, { flexible: [4, 5] }));
    this.log('Retry with: ates bus retry --consumer <consumer> [--id <id>]; drop with: ates bus discard');
    return { items };
  }
}
