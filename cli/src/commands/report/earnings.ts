import { earningsChart } from '../../analytics.ts';
import { AtesCommand } from '../../base-command.ts';
import { dayFlag } from '../../billing.ts';
import { whileWaiting } from '../../render.ts';

export default class ReportEarnings extends AtesCommand {
  static override summary = 'Management earnings per business day, as a bar chart (admin)';
  static override description = `One bar per business day: the assign fees charged that day less the rewards paid,
right of the axis when management earned, left of it (▒) when it paid out more than it took in.
Without flags, the last 14 days up to the business day in progress; at most 366 days.`;
  static override examples = [
    '<%= config.bin %> report earnings',
    '<%= config.bin %> report earnings --from 2026-11-01 --to 2026-11-30',
    '<%= config.bin %> report earnings --json',
  ];
  static override flags = {
    from: dayFlag('first business day [default: 13 days before --to]'),
    to: dayFlag('last business day [default: the one in progress]'),
  };

  async run() {
    const { flags } = await this.parse(ReportEarnings);
    const query = { from: flags.from, to: flags.to };
    const report = await whileWaiting(
      'Reading the analytics',
      this.call((api) => api.GET('/v1/reports/earnings', { params: { query } })),
    );
    this.log(earningsChart(report));
    return report;
  }
}
