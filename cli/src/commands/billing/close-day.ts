import { dirname } from 'node:path';
import { confirm } from '@inquirer/prompts';
import { Flags } from '@oclif/core';
import { EXIT } from '../../base-command.ts';
import { BillingCommand, type BusinessDay, type ClosedDay, dayFlag, type Payout } from '../../billing.ts';
import { count, money, payoutTable, printable, time, whileWaiting } from '../../render.ts';

/** How long to wait for the workers to send the payout emails before saying they are queued. */
const MAIL_WAIT_MS = 15_000;

interface CloseDayResult extends ClosedDay {
  payouts: Payout[];
}

export default class BillingCloseDay extends BillingCommand {
  static override summary = 'Close a business day: pay out every positive balance (admins, accountants)';
  static override description =
    `Without --date, the business day in progress is closed at once and what happens after it belongs to the next day. Each positive balance is paid out and emailed; a negative one carries over. Closing a day that is already closed pays nothing again. Asks first at a terminal; elsewhere pass --yes. The nightly schedule closes each day on its own shortly after midnight.`;
  static override examples = [
    '<%= config.bin %> billing close-day',
    '<%= config.bin %> billing close-day --date 2026-11-24 --yes',
    '<%= config.bin %> billing close-day --yes --json',
  ];
  static override flags = {
    date: dayFlag('the business day to close [default: the one in progress]'),
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation' }),
  };

  async run(): Promise<CloseDayResult> {
    const { flags } = await this.parse(BillingCloseDay);
    if (!flags.yes) await this.confirmClose(flags.date);
    const closed = await whileWaiting(
      'Closing the business day',
      this.request<ClosedDay>('POST', '/v1/business-days/close', flags.date ? { date: flags.date } : {}),
    );
    this.log(
      closed.alreadyClosed
        ? `Business day ${closed.businessDay} was already closed (${time(closed.closedAt)} UTC): nothing more was paid.`
        : `Closed business day ${closed.businessDay}: ${count(closed.payoutCount)} payout${closed.payoutCount === 1 ? '' : 's'}.`,
    );
    await whileWaiting('Waiting for the payout emails', this.mailsSent(closed));
    const { items: payouts } = await whileWaiting('Reading the payouts', this.allPayouts(closed.businessDay, 1000));
    if (payouts.length > 0) this.log(payoutTable(payouts));
    this.log(`Total paid out for ${closed.businessDay}: ${money(closed.payoutTotalCents)}`);
    this.log(mailSummary(payouts));
    return { ...closed, payouts };
  }

  private async confirmClose(date: string | undefined): Promise<void> {
    if (!process.stdin.isTTY) this.error('Pass --yes to close a day when not at a terminal.', { exit: EXIT.badInput });
    const day = date ? `business day ${date}` : 'the business day in progress';
    if (!(await confirm({ message: `Close ${day} and pay out every positive balance?`, default: false }))) {
      this.error('Nothing changed.', { exit: EXIT.failure });
    }
  }

  /** The workers send the emails; give them a moment so the table can say where each went. */
  private async mailsSent(closed: ClosedDay): Promise<void> {
    const deadline = Date.now() + MAIL_WAIT_MS;
    while (Date.now() < deadline) {
      const day = await this.request<BusinessDay>('GET', `/v1/business-days/${closed.businessDay}`);
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
function mailSummary(payouts: Payout[]): string {
  const queued = payouts.filter((p) => !p.mail).length;
  const places = new Set(payouts.flatMap((p) => (p.mail ? [mailPlace(p.mail.location)] : [])));
  const sent = places.size > 0 ? `Payout emails went to ${printable([...places].join(', '))}.` : '';
  const waiting = queued > 0 ? ` ${queued} still queued: the workers send them; see \`ates billing payouts\`.` : '';
  return payouts.length === 0 ? 'No positive balances: no payout emails.' : `${sent}${waiting}`.trim();
}
