import { Flags } from '@oclif/core';
import { AtesCommand, confirmOrStop, EXIT } from '../../base-command.ts';
import { count, printable, progressBar } from '../../render.ts';

const POLL_MS = 250;

export default class AnalyticsRebuild extends AtesCommand {
  static override summary = 'Rebuild the analytics store from the event log (admin)';
  static override description = `Empties the analytics read side and replays every event it is fed from, on the server,
showing how far it has got. Reports are incomplete until it finishes. Asks first at a terminal; elsewhere
pass --yes.`;
  static override examples = [
    '<%= config.bin %> analytics rebuild',
    '<%= config.bin %> analytics rebuild --yes --json',
  ];
  static override flags = {
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation' }),
  };

  async run() {
    const { flags } = await this.parse(AnalyticsRebuild);
    await confirmOrStop(
      'Empty the analytics store and rebuild it from the event log? Reports are incomplete meanwhile.',
      { yes: flags.yes, action: 'rebuild' },
    );
    let rebuild = await this.call((api) => api.POST('/v1/analytics/rebuild'));
    const bar = await progressBar('Replaying events');
    try {
      while (rebuild.state === 'running') {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        const { id } = rebuild;
        rebuild = await this.call((api) => api.GET('/v1/analytics/rebuild/{id}', { params: { path: { id } } }));
        bar.update(rebuild.done, rebuild.total);
      }
    } finally {
      bar.stop();
    }
    if (rebuild.state === 'failed')
      this.error(`The rebuild failed: ${printable(rebuild.error ?? '')}`, { exit: EXIT.failure });
    const seconds = (Date.parse(rebuild.finishedAt ?? '') - Date.parse(rebuild.startedAt)) / 1000;
    this.log(`Rebuilt the analytics store from ${count(rebuild.done)} events in ${seconds.toFixed(1)} s.`);
    if (rebuild.rejected > 0) this.log(`${count(rebuild.rejected)} poison events were skipped; see the server log.`);
    return rebuild;
  }
}
