import { join } from 'node:path';
import { businessTimeZone } from '@ates/db';
import { assertTimeZone } from '@ates/db/accounting';
import { LEDGER_CONSUMER, PAYOUT_MAIL_CONSUMER } from '@ates/db/bus';
import type { JobsDeps } from '../deps.ts';
import { scheduleNightlyClose } from './close-day.ts';
import { ledgerHandler } from './ledger.ts';
import { createMailer } from './mailer.ts';
import { payoutMailHandler } from './payout-mail.ts';

export interface AccountingOptions {
  /** Default: `SMTP_URL`; without one, payout mails are written to `<home>/outbox`. */
  smtpUrl?: string;
  /** Default: `ATES_TIMEZONE`, else UTC. */
  timeZone?: string;
}

/** Subscribes the accounting context's consumers and schedules the nightly close. */
export async function startAccountingWorkers(deps: JobsDeps, options: AccountingOptions = {}): Promise<void> {
  const timeZone = options.timeZone ?? businessTimeZone();
  assertTimeZone(timeZone);
  const mailer = createMailer({ smtpUrl: options.smtpUrl ?? process.env.SMTP_URL, outbox: join(deps.home, 'outbox') });
  await deps.bus.subscribe(LEDGER_CONSUMER, ledgerHandler(deps.bus, timeZone));
  await deps.bus.subscribe(PAYOUT_MAIL_CONSUMER, payoutMailHandler(deps.db, mailer));
  await scheduleNightlyClose(deps.db, deps.bus, timeZone);
}
export { BusinessDayNotBegunError, type CloseDayOptions, type ClosedDay, closeBusinessDay } from './close-day.ts';
export { ledgerHandler } from './ledger.ts';
