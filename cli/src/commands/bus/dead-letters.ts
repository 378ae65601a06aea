import { Flags } from '@oclif/core';
import { AtesCommand } from '../../base-command.ts';
import type { DeadLetterItem } from '../../bus.ts';
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

  async run(): Promise<{ items: DeadLetterItem[] }> {
    const { flags } = await this.parse(BusDeadLetters);
    const items: DeadLetterItem[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ limit: '1000' });
      if (flags.consumer) query.set('consumer', flags.consumer);
      if (cursor) query.set('cursor', cursor);
      const page: { items: DeadLetterItem[]; nextCursor: string | null } = await this.request(
        'GET',
        `/v1/dead-letters?${query}`,
      );
      items.push(...page.items);
      cursor = page.nextCursor;
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
