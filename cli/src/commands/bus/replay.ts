import { Flags } from '@oclif/core';
import { AtesCommand, confirmOrStop, EXIT } from '../../base-command.ts';
import type { Schema } from '../../client.ts';
import { count, progressBar } from '../../render.ts';

const POLL_MS = 250;

export default class BusReplay extends AtesCommand {
  static override summary = 'Deliver the event log to a consumer once more, through its inbox (admin)';
  static override description =
    `Queues every batch of the log the consumer reads (from --from on, if given) and waits while
its workers apply them. The consumer's inbox skips what it applied already, so nothing is charged or mailed twice:
only what it missed is applied. Asks first at a terminal; elsewhere pass --yes.`;
  static override examples = [
    '<%= config.bin %> bus replay --consumer accounting.ledger',
    '<%= config.bin %> bus replay --consumer accounting.payout-mail --from 2026-11-24T00:00:00Z --yes --json',
  ];
  static override flags = {
    consumer: Flags.string({ description: 'the consumer to replay to, e.g. accounting.ledger', required: true }),
    from: Flags.string({ description: 'only events published at or after this ISO 8601 time' }),
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation' }),
  };

  async run(): Promise<Schema<'Replay'> & { queued: number }> {
    const { flags } = await this.parse(BusReplay);
    if (flags.from !== undefined && !/^\d{4}-\d{2}-\d{2}T/.test(flags.from)) {
      this.error(`--from must be an ISO 8601 time such as 2026-11-24T00:00:00Z, not ${flags.from}.`, {
        exit: EXIT.badInput,
      });
    }
    const since = flags.from ? ` published since ${flags.from}` : '';
    await confirmOrStop(`Deliver every event${since} to ${flags.consumer} once more? Its inbox skips what it has.`, {
      yes: flags.yes,
      action: 'replay',
    });
    const replay = await this.call((api) =>
      api.POST('/v1/bus/replays', { body: { consumer: flags.consumer, ...(flags.from ? { from: flags.from } : {}) } }),
    );
    const queued = await this.follow(replay);
    this.log(
      `Replayed ${count(replay.deliveries)} ${replay.deliveries === 1 ? 'delivery' : 'deliveries'} ` +
        `(${count(replay.events)} events) to ${replay.consumer}` +
        (queued === 0 ? '; it has applied them.' : `; ${count(queued)} still queued (see \`ates status\`).`),
    );
    return { ...replay, queued };
  }

  /** Shows the consumer working through its queue; returns what is left when it empties or stalls. */
  private async follow(replay: Schema<'Replay'>): Promise<number> {
    const bar = await progressBar(`Replaying to ${replay.consumer}`);
    let queued = replay.deliveries;
    let stalled = 0;
    try {
      while (queued > 0 && stalled < 40) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        const status = await this.call((api) => api.GET('/v1/status'));
        const now = status.bus.consumers.find((c) => c.consumer === replay.consumer)?.queued ?? 0;
        stalled = now < queued ? 0 : stalled + 1;
        queued = now;
        bar.update(Math.max(0, replay.deliveries - queued), replay.deliveries);
      }
    } finally {
      bar.stop();
    }
    return queued;
  }
}
