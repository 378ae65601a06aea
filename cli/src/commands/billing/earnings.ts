import { AtesCommand } from '../../base-command.ts';
import { dayFlag } from '../../billing.ts';
import { earningsTable, money } from '../../render.ts';

export default class BillingEarnings extends AtesCommand {
  static override summary = "Show the company's earnings per business day (admins, accountants)";
  static override description =
    `What top management earned each day: the assign fees paid to the company less the rewards it paid. Without flags, the last seven business days up to the one in progress.`;
  static override examples = [
    '<%= config.bin %> billing earnings',
    '<%= config.bin %> billing earnings --from 2026-11-01 --to 2026-11-30',
    '<%= config.bin %> billing earnings --json',
  ];
  static override flags = {
    from: dayFlag('first business day [default: six days before --to]'),
    to: dayFlag('last business day [default: the day in progress]'),
  };

  async run() {
    const { flags } = await this.parse(BillingEarnings);
    const query = { from: flags.from, to: flags.to };
    const earnings = await this.call((api) => api.GET('/v1/earnings', { params: { query } }));
    this.log(earningsTable(earnings.items));
    this.log(`Total earnings: ${money(earnings.totalEarningsCents)}`);
    return earnings;
  }
}
