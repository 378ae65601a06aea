import { Flags } from '@oclif/core';
import { AtesCommand } from '../../base-command.ts';
import { shortIds, table, time } from '../../render.ts';

interface DeadLetter {
  id: string;
  consumer: string;
  failedAt: string;
  events: { eventId: string; eventName: string; eventVersion: number }[];
}

export default class BusDeadLetters extends AtesCommand {
  static override summary = 'List deliveries that failed all their retries (admin)';
  static override examples = [
    '<%= config.bin %> bus dead-letters',
    '<%= config.bin %> bus dead-letters --consumer accounting.ledger --json',
  ];
  static override flags = {
    consumer: Flags.string({ description: 'only this consumer, e.g. accounting.ledger' }),
  };

  async run(): Promise<{ items: DeadLetter[] }> {
    const { flags } = await this.parse(BusDeadLetters);
    const query = flags.consumer ? `?consumer=${encodeURIComponent(flags.consumer)}` : '';
    const result = await this.request<{ items: DeadLetter[] }>('GET', `/v1/dead-letters${query}`);
    if (result.items.length === 0) {
      this.log('No dead letters: every delivery was applied.');
      return result;
    }
    const short = shortIds(result.items.map((letter) => letter.id));
    const rows = result.items.map((letter) => [
      short(letter.id),
      letter.consumer,
      time(letter.failedAt),
      letter.events.map((e) => `${e.eventName} v${e.eventVersion}`).join(', ') || '(no events: malformed delivery)',
    ]);
    this.log(table(['Id', 'Consumer', 'Failed at (UTC)', 'Events'], rows, { flexible: [3] }));
    this.log(`Retry with: ates bus retry --consumer <consumer> [--id <id>]`);
    return result;
  }
}
