import { describePayoutsReport } from '../../analytics.ts';
import { AtesCommand } from '../../base-command.ts';
import { dayFlag } from '../../billing.ts';
import { whileWaiting } from '../../render.ts';

export default class ReportPayouts extends AtesCommand {
  static override summary = 'The payouts of a business day (admin)';
  static override description = `Every positive balance paid out at the close of the day, largest first.
Without --date: the last business day that paid anyone.`;
  static override examples = [
    '<%= config.bin %> report payouts',
    '<%= config.bin %> report payouts --date 2026-11-24 --json',
  ];
  static override flags = {
    date: dayFlag('the business day [default: the last one with payouts]'),
  };

  async run() {
    const { flags } = await this.parse(ReportPayouts);
    const report = await whileWaiting(
      'Reading the payouts',
      this.call((api) => api.GET('/v1/reports/payouts', { params: { query: { date: flags.date } } })),
    );
    this.log(describePayoutsReport(report));
    return report;
  }
}
