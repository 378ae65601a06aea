import { AtesCommand } from '../base-command.ts';
import type { Status } from '../bus.ts';
import { count, table, time } from '../render.ts';

export default class StatusCommand extends AtesCommand {
  static override summary = 'What the system is holding back: queued deliveries and dead letters per consumer (admin)';
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --json'];

  async run(): Promise<Status> {
    const status = await this.request<Status>('GET', '/v1/status');
    const rows = status.bus.consumers.map((c) => [
      c.consumer,
      count(c.queued),
      count(c.deadLetters),
      c.oldestQueuedAt ? `${time(c.oldestQueuedAt)} (${age(c.oldestQueuedSeconds ?? 0)})` : '',
    ]);
    this.log(table(['Consumer', 'Queued', 'Dead letters', 'Oldest queued (UTC)'], rows, { alignRight: [1, 2] }));
    this.log(`Undispatched batches: ${count(status.bus.undispatched)}.`);
    if (status.bus.deadLetters > 0) this.log('See them with: ates bus dead-letters');
    return status;
  }
}

/** 75 → "1 min", 7200 → "2 h". */
function age(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds / 3_600)} h`;
}
