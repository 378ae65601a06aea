import { describePayoutsReport, type PayoutsReport } from '../../analytics.ts';
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

  async run(): Promise<PayoutsReport> {
    const { flags } = await this.parse(ReportPayouts);
    const query = flags.date ? `?date=${flags.date}` : '';
    const report = await whileWaiting(
      'Reading the payouts',
      this.request<PayoutsReport>('GET', `/v1/reports/payouts${query}`),
    );
    this.log(describePayoutsReport(report));
    return report;
  }
}
