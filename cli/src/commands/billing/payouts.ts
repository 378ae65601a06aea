import { Flags } from '@oclif/core';
import { BillingCommand, dayFlag } from '../../billing.ts';
import { money, payoutTable, whileWaiting } from '../../render.ts';

export default class BillingPayouts extends BillingCommand {
  static override summary = 'Show the payouts of a business day and where their emails went';
  static override description =
    `Admins and accountants see every payout; others only their own. Without --date, the last closed business day.`;
  static override examples = [
    '<%= config.bin %> billing payouts',
    '<%= config.bin %> billing payouts --date 2026-11-24 --json',
  ];
  static override flags = {
    date: dayFlag('the business day [default: the last closed one]'),
    limit: Flags.integer({ description: 'payouts per request', min: 1, max: 1000, default: 1000 }),
  };

  async run() {
    const { flags } = await this.parse(BillingPayouts);
    const payouts = await whileWaiting('Reading the payouts', this.allPayouts(flags.date, flags.limit));
    if (payouts.businessDay === null) this.log('No business day has been closed yet.');
    else if (payouts.items.length === 0) this.log(`No payouts for business day ${payouts.businessDay}.`);
    else {
      this.log(payoutTable(payouts.items));
      const total = payouts.items.reduce((sum, p) => sum + p.amountCents, 0);
      this.log(`${payouts.items.length} payouts for business day ${payouts.businessDay}, total ${money(total)}.`);
    }
    return payouts;
  }
}
