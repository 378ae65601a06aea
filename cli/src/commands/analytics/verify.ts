import { AtesCommand, EXIT } from '../../base-command.ts';
import { dayFlag } from '../../billing.ts';
import { money, table, whileWaiting } from '../../render.ts';

export default class AnalyticsVerify extends AtesCommand {
  static override summary = "Compare the analytics totals with the ledger's, day by day (admin)";
  static override description = `For every business day of the range, compares the fees, rewards and management
earnings the analytics store adds up with the ledger's, and lists the days that differ with both figures.
Exits with 1 when any day differs (a rebuild mends a read side that missed events). Without flags: the
last seven business days up to the ledger's day in progress; at most 366 days.`;
  static override examples = [
    '<%= config.bin %> analytics verify',
    '<%= config.bin %> analytics verify --from 2026-11-01 --to 2026-11-30 --json',
  ];
  static override flags = {
    from: dayFlag('first business day [default: six days before --to]'),
    to: dayFlag("last business day [default: the ledger's day in progress]"),
  };

  async run() {
    const { flags } = await this.parse(AnalyticsVerify);
    const query = { from: flags.from, to: flags.to };
    const result = await whileWaiting(
      'Comparing with the ledger',
      this.call((api) => api.GET('/v1/analytics/verify', { params: { query } })),
    );
    if (result.agrees) {
      this.log(
        `The analytics store agrees with the ledger on all ${result.daysCompared} days from ${result.from} to ${result.to}.`,
      );
      return result;
    }
    const rows = result.differences.map(({ businessDay, analytics, ledger }) => [
      businessDay,
      money(analytics.feesCents),
      money(ledger.feesCents),
      money(analytics.rewardsCents),
      money(ledger.rewardsCents),
      money(analytics.managementEarningsCents),
      money(ledger.managementEarningsCents),
    ]);
    const head = [
      'Business day',
      'Fees (analytics)',
      'Fees (ledger)',
      'Rewards (analytics)',
      'Rewards (ledger)',
      'Earnings (analytics)',
      'Earnings (ledger)',
    ];
    this.log(
      `${result.differences.length} of the ${result.daysCompared} days from ${result.from} to ${result.to} differ from the ledger:`,
    );
    this.log(table(head, rows, { alignRight: [1, 2, 3, 4, 5, 6] }));
    this.log('Rebuild the read side from the event log with: ates analytics rebuild');
    process.exitCode = EXIT.failure;
    return result;
  }
}
