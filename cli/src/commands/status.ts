import type { OperationsState } from '@ates/api/operations/schemas';
import { AtesCommand } from '../base-command.ts';
import { table, time } from '../render.ts';

export default class Status extends AtesCommand {
  static override summary = 'Where the installation stands: processes, consumer lag, dead letters, last close (admin)';
  static override description = `Every process seen (a process that died without stopping shows when it was last seen),
each consumer's queue, lag and dead letters, the outbox, the last closed business day and the newest
analytics rebuild. The same figures /metrics exports for Prometheus.`;
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --json'];

  async run(): Promise<OperationsState> {
    await this.parse(Status);
    const state = await this.request<OperationsState>('GET', '/v1/status');
    this.log(
      table(
        ['Process', 'Roles', 'Host', 'Pid', 'API', 'Last seen (UTC)'],
        state.processes.map((p) => [
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
        state.consumers.map((c) => [c.consumer, c.queued, c.retrying, lag(c.oldestUnappliedSeconds), c.deadLetters]),
        { alignRight: [1, 2, 3, 4] },
      ),
    );
    const dead = state.consumers.reduce((sum, c) => sum + c.deadLetters, 0);
    this.log(`Outbox: ${state.outboxBatches} batch${state.outboxBatches === 1 ? '' : 'es'} waiting to be queued.`);
    this.log(`Last closed business day: ${state.lastClosedBusinessDay ?? 'none yet'}.`);
    if (state.rebuild) {
      this.log(
        `Analytics rebuild ${state.rebuild.id.slice(0, 8)}: ${state.rebuild.state}, ${state.rebuild.done} of ${state.rebuild.total} events.`,
      );
    }
    if (dead > 0) this.log(`${dead} dead letter${dead === 1 ? '' : 's'}: see ates bus dead-letters.`);
    return state;
  }
}

function lag(seconds: number): string {
  if (seconds === 0) return 'caught up';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}
