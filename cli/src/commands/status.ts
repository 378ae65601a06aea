import { AtesCommand } from '../base-command.ts';
import { count, table, time } from '../render.ts';

export default class StatusCommand extends AtesCommand {
  static override summary = 'Where the installation stands: processes, consumer lag, dead letters, last close (admin)';
  static override description = `Every process seen (one that died without stopping shows when it was last seen),
each consumer's queue, retries, lag and dead letters, the batches not yet queued, the last closed
business day and the newest analytics rebuild: the figures /metrics exports for Prometheus.`;
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --json'];

  async run() {
    await this.parse(StatusCommand);
    const status = await this.call((api) => api.GET('/v1/status'));
    this.log(
      table(
        ['Process', 'Roles', 'Host', 'Pid', 'API', 'Last seen (UTC)'],
        status.processes.map((p) => [
          p.id.slice(0, 8),
          p.roles.join('+'),
          p.host,
          p.pid,
          p.apiUrl ?? '—',
          p.live ? 'now' : `${time(p.lastSeenAt)} (gone)`,
        ]),
      ),
    );
    this.log(
      table(
        ['Consumer', 'Queued', 'Retrying', 'Lag', 'Dead letters'],
        status.bus.consumers.map((c) => [
          c.consumer,
          count(c.queued),
          count(c.retrying),
          c.oldestQueuedSeconds === null ? 'caught up' : age(c.oldestQueuedSeconds),
          count(c.deadLetters),
        ]),
        { alignRight: [1, 2, 3, 4] },
      ),
    );
    this.log(`Undispatched batches: ${count(status.bus.undispatched)}.`);
    this.log(`Last closed business day: ${status.lastClosedBusinessDay ?? 'none yet'}.`);
    const { rebuild } = status;
    if (rebuild) {
      this.log(
        `Analytics rebuild ${rebuild.id.slice(0, 8)}: ${rebuild.state}, ${count(rebuild.done)} of ${count(rebuild.total)} events.`,
      );
    }
    if (status.bus.deadLetters > 0) this.log('See the dead letters with: ates bus dead-letters');
    return status;
  }
}

/** 75 → "1 min", 7200 → "2 h". */
function age(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds / 3_600)} h`;
}
