import type { Database } from '@ates/db';
import type { ConsumerHandler, LedgerEventData, PAYOUT_MAIL_CONSUMER } from '@ates/db/bus';
import { sql } from 'drizzle-orm';
import type { Mail, Mailer } from './mailer.ts';

type Recipient = {
  employee_id: string;
  full_name: string;
  email: string;
};

/**
 * The consumer `accounting.payout-mail`: one email per PayoutMade. A mail that cannot go (no email
 * known yet, the server refuses) makes the delivery throw once the others have gone, so the bus
 * retries it (for a day: this consumer is patient, see topology.ts) and only then dead-letters it;
 * the payout itself is never touched.
 *
 * SMTP is not transactional, so each mail is sent inside a short transaction of its own that
 * locks the payout row, skips a mail already recorded, sends, and records it: a mail is sent twice
 * only if the process dies between the server's "250 OK" and that commit, a window of one insert.
 */
export function payoutMailHandler(db: Database, mailer: Mailer): ConsumerHandler<typeof PAYOUT_MAIL_CONSUMER> {
  return async (tx, events) => {
    const payouts = events.map((e) => e.data);
    if (payouts.length === 0) return;
    const recipients = await tx.execute<Recipient>(sql`
      select employee_id, full_name, email from accounting.employees
      where employee_id in (select jsonb_array_elements_text(${JSON.stringify(payouts.map((p) => p.employee_id))}::jsonb))`);
    const byEmployee = new Map(recipients.map((r) => [r.employee_id, r]));
    const failures: string[] = [];
    for (const payout of payouts) {
      try {
        await sendOnce(db, mailer, payout, byEmployee.get(payout.employee_id));
      } catch (error) {
        failures.push(`payout ${payout.transaction_id}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (failures.length > 0) {
      const some = failures.slice(0, 5).join('; ');
      throw new Error(`${failures.length} of ${payouts.length} payout mails failed, the others went: ${some}`);
    }
  };
}

async function sendOnce(db: Database, mailer: Mailer, payout: LedgerEventData, recipient: Recipient | undefined) {
  if (!recipient) throw new Error(`no email known yet for employee ${payout.employee_id}`);
  await db.transaction(async (tx) => {
    const [row] = await tx.execute<{ sent: boolean }>(sql`
      select exists (select 1 from accounting.payout_mails m where m.transaction_id = p.id) as sent
      from accounting.transactions p where p.id = ${payout.transaction_id} and p.kind = 'payout' for update of p`);
    if (!row) throw new Error('the payout is not in the ledger');
    if (row.sent) return;
    const location = await mailer.send(payoutMail(payout, recipient));
    await tx.execute(sql`
      insert into accounting.payout_mails (transaction_id, recipient, location)
      values (${payout.transaction_id}, ${recipient.email}, ${location})`);
  });
}

export function payoutMail(payout: LedgerEventData, recipient: Recipient): Mail {
  const amount = dollars(payout.amount);
  return {
    id: payout.transaction_id,
    to: { name: recipient.full_name, address: recipient.email },
    subject: `Your aTES payout for ${payout.business_day}: ${amount}`,
    text: [
      `Hello ${recipient.full_name},`,
      '',
      `for business day ${payout.business_day} UberPopug Inc. pays you ${amount}.`,
      `Payout reference: ${payout.transaction_id}`,
      '',
      'aTES payroll',
    ].join('\n'),
  };
}

/** 1250 → "$12.50". */
function dollars(cents: number): string {
  return `$${Math.floor(cents / 100).toLocaleString('en-US')}.${String(cents % 100).padStart(2, '0')}`;
}
