import { dirname } from 'node:path';
import { Flags } from '@oclif/core';
import { confirmOrStop } from '../../base-command.ts';
import { BillingCommand, dayFlag, describeClose } from '../../billing.ts';
import type { Schema } from '../../client.ts';
import { money, payoutTable, printable, whileWaiting } from '../../render.ts';

/** How long to wait for the workers to send the payout emails before saying they are queued. */
const MAIL_WAIT_MS = 15_000;

export default class BillingCloseDay extends BillingCommand {
  static override summary = 'Close a business day: pay out every positive balance (admins, accountants)';
  static override description =
    `Without --date, today (in the business time zone) is closed at once, and what is posted after it belongs to tomorrow, paid at tomorrow's close. Asked again the same day, it says the day is already closed and pays nothing. No day after today can be closed. Each positive balance is paid out and emailed; a negative one carries over. Asks first at a terminal; elsewhere pass --yes. The nightly schedule closes each day on its own shortly after midnight.`;
  static override examples = [
    '<%= config.bin %> billing close-day',
    '<%= config.bin %> billing close-day --date 2026-11-24 --yes',
    '<%= config.bin %> billing close-day --yes --json',
  ];
  static override flags = {
    date: dayFlag('the business day to close, today or earlier [default: today]'),
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation' }),
  };

  async run() {
    const { flags } = await this.parse(BillingCloseDay);
    const day = flags.date ? `business day ${flags.date}` : 'the business day in progress';
    await confirmOrStop(`Close ${day} and pay out every positive balance?`, { yes: flags.yes, action: 'close a day' });
    const closed = await whileWaiting(
      'Closing the business day',
      this.call((api) => api.POST('/v1/business-days/close', { body: flags.date ? { date: flags.date } : {} })),
    );
    this.log(describeClose(closed));
    await whileWaiting('Waiting for the payout emails', this.mailsSent(closed));
    const { items: payouts } = await whileWaiting('Reading the payouts', this.allPayouts(closed.businessDay, 1000));
    if (payouts.length > 0) this.log(payoutTable(payouts));
    this.log(`Total paid out for ${closed.businessDay}: ${money(closed.payoutTotalCents)}`);
    this.log(mailSummary(payouts));
    return { ...closed, payouts };
  }

  /** The workers send the emails; give them a moment so the table can say where each went. */
  private async mailsSent(closed: Schema<'ClosedDay'>): Promise<void> {
    const deadline = Date.now() + MAIL_WAIT_MS;
    while (Date.now() < deadline) {
      const path = { date: closed.businessDay };
      const day = await this.call((api) => api.GET('/v1/business-days/{date}', { params: { path } }));
      if (day.mailsSent >= day.payoutCount) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** `smtp://host:port <message-id>` → the server; an .eml path → its folder. */
function mailPlace(location: string): string {
  return /^smtps?:\/\//.test(location) ? (location.split(' ')[0] ?? location) : dirname(location);
}

/** Where the payout emails went: the SMTP server, or the folder of .eml files. */
function mailSummary(payouts: Schema<'Payout'>[]): string {
  const queued = payouts.filter((p) => !p.mail).length;
  const places = new Set(payouts.flatMap((p) => (p.mail ? [mailPlace(p.mail.location)] : [])));
  const sent = places.size > 0 ? `Payout emails went to ${printable([...places].join(', '))}.` : '';
  const waiting = queued > 0 ? ` ${queued} still queued: the workers send them; see \`ates billing payouts\`.` : '';
  return payouts.length === 0 ? 'No positive balances: no payout emails.' : `${sent}${waiting}`.trim();
}
