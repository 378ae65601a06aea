import type { PayoutsReport } from '../../analytics.ts';
import { AtesCommand } from '../../base-command.ts';
import { dayFlag } from '../../billing.ts';
import { count, money, table, time, whileWaiting } from '../../render.ts';

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
    if (!report.businessDay) {
      this.log('Nobody has been paid out yet.');
      return report;
    }
    if (report.items.length === 0) {
      this.log(`Nobody was paid out on ${report.businessDay}.`);
      return report;
    }
    const rows = report.items.map((p) => [
      p.employeeName ?? p.employeeId,
      p.email ?? '',
      money(p.amountCents),
      time(p.paidAt),
    ]);
    this.log(`Payouts of ${report.businessDay}`);
    this.log(table(['Employee', 'Email', 'Amount', 'Paid at (UTC)'], rows, { alignRight: [2] }));
    this.log(
      `${count(report.items.length)} payout${report.items.length === 1 ? '' : 's'}, ${money(report.totalCents)} in all.`,
    );
    return report;
  }
}
