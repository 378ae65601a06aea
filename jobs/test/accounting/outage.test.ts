import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Consumer, LEDGER_CONSUMER, PAYOUT_MAIL_CONSUMER } from '@ates/db/bus';
import { until } from '@ates/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Inbox } from '../../../test/support/smtp-inbox.ts';
import { closeBusinessDay } from '../../src/accounting/close-day.ts';
import { createMailer } from '../../src/accounting/mailer.ts';
import { payoutMailHandler } from '../../src/accounting/payout-mail.ts';
import { assigned, balanceOf, completed, employeeCreated, type Ledger, startLedger, TIME_ZONE } from './support.ts';

/** What the bus did before: five retries, after which a delivery was dead-lettered. */
const OLD_RETRY_LIMIT = 5;

let ledger: Ledger;
let smtpPort: number;
let outbox: string;

/** How many times the queue's one delivery has failed so far (pg-boss counts retries). */
async function failedAttempts(queue: string): Promise<number> {
  const [row] = await ledger.conn.db.execute<{ retries: number }>(
    sql`select coalesce(max(retry_count), 0)::int as retries from pgboss.job where name = ${queue} and state = 'retry'`,
  );
  return row?.retries ?? 0;
}

const deadLetters = async (consumer: Consumer) => (await ledger.bus.deadLetters({ consumer })).letters;

beforeAll(async () => {
  // The retry timings shortened, as a test may: a retry a second, for a minute at least.
  ledger = await startLedger({ patientRetry: { delaySeconds: 1, maxDelaySeconds: 1, forSeconds: 60 } });
  const probe = new Inbox();
  smtpPort = Number(new URL(await probe.listen()).port);
  await probe.close();
  outbox = await mkdtemp(join(tmpdir(), 'ates-outbox-'));
  const mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${smtpPort}`, outbox });
  await ledger.bus.subscribe(PAYOUT_MAIL_CONSUMER, payoutMailHandler(ledger.conn.db, mailer));
});

afterAll(async () => {
  await ledger.stop();
  await rm(outbox, { recursive: true, force: true });
});

describe('money deliveries outlast an outage', () => {
  it('posts a fee the ledger kept refusing, exactly once, when the fault clears', async () => {
    await ledger.conn.db.execute(
      sql.raw(`
      create function ledger_down() returns trigger language plpgsql as $$
      begin raise exception 'the ledger is down for maintenance'; end $$;
      create trigger ledger_down before insert on accounting.transactions
        for each row execute function ledger_down();`),
    );
    const popug = randomUUID();
    const task = randomUUID();
    await ledger.publish([employeeCreated(popug), assigned(task, popug, 1500)]);

    await until(async () => (await failedAttempts(LEDGER_CONSUMER)) > OLD_RETRY_LIMIT, { timeoutMs: 45_000 });
    expect(await deadLetters(LEDGER_CONSUMER)).toEqual([]);
    expect(await balanceOf(ledger, popug)).toBeUndefined();

    await ledger.conn.db.execute(
      sql.raw('drop trigger ledger_down on accounting.transactions; drop function ledger_down();'),
    );
    await ledger.settle();
    const fees = await ledger.conn.db.execute(
      sql`select id from accounting.transactions where task_id = ${task} and kind = 'fee'`,
    );
    expect(fees).toHaveLength(1);
    expect(await balanceOf(ledger, popug)).toBe(-1500);
    expect(await deadLetters(LEDGER_CONSUMER)).toEqual([]);
  });

  it('sends a payout mail once when the SMTP server comes back', async () => {
    const popug = randomUUID();
    const email = `payee-${popug.slice(0, 8)}@popug.inc`;
    const task = randomUUID();
    await ledger.publish([
      employeeCreated(popug, 'Payee Popug', email),
      assigned(task, popug, 1000),
      completed(task, popug, 3500),
    ]);
    await ledger.settle();
    await closeBusinessDay(ledger.conn.db, ledger.bus, { timeZone: TIME_ZONE, closedBy: 'test' });

    await until(async () => (await failedAttempts(PAYOUT_MAIL_CONSUMER)) > OLD_RETRY_LIMIT, { timeoutMs: 45_000 });
    expect(await deadLetters(PAYOUT_MAIL_CONSUMER)).toEqual([]);

    const inbox = new Inbox();
    await inbox.listen(smtpPort);
    try {
      await ledger.settle([PAYOUT_MAIL_CONSUMER]);
      expect(inbox.for(email)).toHaveLength(1);
      expect(inbox.for(email)[0]?.message).toContain('pays you $25.00');
      const recorded = await ledger.conn.db.execute(
        sql`select 1 from accounting.payout_mails where recipient = ${email}`,
      );
      expect(recorded).toHaveLength(1);
      expect(await deadLetters(PAYOUT_MAIL_CONSUMER)).toEqual([]);
    } finally {
      await inbox.close();
    }
  });
});
