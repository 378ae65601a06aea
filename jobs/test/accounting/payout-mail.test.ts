import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAYOUT_MAIL_CONSUMER } from '@ates/db/bus';
import { until } from '@ates/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Inbox } from '../../../test/support/smtp-inbox.ts';
import { closeBusinessDay } from '../../src/accounting/close-day.ts';
import { createMailer } from '../../src/accounting/mailer.ts';
import { payoutMail, payoutMailHandler } from '../../src/accounting/payout-mail.ts';
import {
  assigned,
  balanceOf,
  completed,
  employeeCreated,
  type Ledger,
  redeliver,
  startLedger,
  TIME_ZONE,
} from './support.ts';

let ledger: Ledger;
let inbox: Inbox;
let smtpUrl: string;
let outbox: string;

beforeAll(async () => {
  inbox = new Inbox();
  smtpUrl = await inbox.listen();
  outbox = await mkdtemp(join(tmpdir(), 'ates-outbox-'));
});

afterAll(async () => {
  await inbox.close();
  await rm(outbox, { recursive: true, force: true });
});

/** A ledger of its own for each test: a business day closes once, and only today can be closed. */
beforeEach(async () => {
  inbox.received.length = 0;
  ledger = await startLedger();
  await ledger.bus.subscribe(
    PAYOUT_MAIL_CONSUMER,
    payoutMailHandler(ledger.conn.db, createMailer({ smtpUrl, outbox })),
  );
});

afterEach(async () => {
  await ledger.stop();
});

interface Popug {
  id: string;
  email: string;
  name: string;
}

/** Employees with a balance each (reward − fee), ready for a close. */
async function earners(balances: number[]): Promise<Popug[]> {
  const popugs = balances.map((_, i) => {
    const id = randomUUID();
    return { id, email: `popug-${id.slice(0, 8)}@popug.inc`, name: `Popug ${i}` };
  });
  await ledger.publish(
    popugs.flatMap((p, i) => {
      const task = randomUUID();
      const balance = balances[i] ?? 0;
      const fee = 1000;
      return [
        employeeCreated(p.id, p.name, p.email),
        assigned(task, p.id, fee),
        ...(balance + fee > 0 ? [completed(task, p.id, balance + fee)] : []),
      ];
    }),
  );
  await ledger.settle();
  return popugs;
}

const closeDay = () => closeBusinessDay(ledger.conn.db, ledger.bus, { timeZone: TIME_ZONE, closedBy: 'test' });
const settleMail = () => ledger.settle([PAYOUT_MAIL_CONSUMER]);

describe('payout emails over SMTP', () => {
  it('mails each paid employee their amount at their address, and nobody else', async () => {
    const [ada, bob, debtor] = await earners([2500, 1000, -1000]);
    const closed = await closeDay();
    await settleMail();

    expect(inbox.for(ada?.email ?? '')).toHaveLength(1);
    expect(inbox.for(ada?.email ?? '')[0]?.message).toContain(`pays you $25.00`);
    expect(inbox.for(bob?.email ?? '')[0]?.message).toContain(`pays you $10.00`);
    expect(inbox.for(bob?.email ?? '')[0]?.message).toContain(
      `Subject: Your aTES payout for ${closed.businessDay}: $10.00`,
    );
    expect(inbox.for(debtor?.email ?? '')).toHaveLength(0);
    expect(inbox.received).toHaveLength(closed.payoutCount);
    const recorded = await ledger.conn.db.execute<{ recipient: string; location: string }>(
      sql`select recipient, location from accounting.payout_mails where recipient = ${ada?.email ?? ''}`,
    );
    expect(recorded).toEqual([
      { recipient: ada?.email, location: expect.stringMatching(/^smtp:\/\/127\.0\.0\.1:\d+ <.+>$/) },
    ]);
  });

  it('retries a mail the server refused, and sends no other mail of the batch twice', async () => {
    const popugs = await earners([1100, 1200, 1300]);
    const refused = popugs[1]?.email ?? '';
    inbox.refuseOnce.add(refused);
    await closeDay();
    await until(async () => inbox.for(refused).length === 1);
    await settleMail();
    for (const popug of popugs) expect(inbox.for(popug.email)).toHaveLength(1);
    expect(inbox.for(refused)[0]?.message).toContain('pays you $12.00');
  });

  it('sends nothing again when a PayoutMade delivery comes twice', async () => {
    const [ada] = await earners([1700]);
    await closeDay();
    await settleMail();
    const [event] = await ledger.conn.db.execute<{ event_id: string }>(sql`
      select event_id from bus.event_log where event_name = 'PayoutMade' and data->>'employee_id' = ${ada?.id ?? ''}`);
    await redeliver(ledger, event?.event_id ?? '', PAYOUT_MAIL_CONSUMER);
    await settleMail();
    expect(inbox.for(ada?.email ?? '')).toHaveLength(1);
  });

  it('dead-letters a mail that cannot go, and leaves the payout paid', async () => {
    const stranger = randomUUID();
    const task = randomUUID();
    await ledger.publish([assigned(task, stranger, 1000), completed(task, stranger, 3000)]);
    await ledger.settle();
    await closeDay();
    const letters = await until(async () => {
      const found = await ledger.bus.deadLetters({ consumer: PAYOUT_MAIL_CONSUMER });
      return found.letters.length > 0 && found.letters;
    });
    expect(letters[0]?.events.map((e) => e.eventName)).toContain('PayoutMade');
    expect(await balanceOf(ledger, stranger)).toBe(0);
    const paid = await ledger.conn.db.execute(
      sql`select 1 from accounting.transactions where kind = 'payout' and employee_id = ${stranger}`,
    );
    expect(paid).toHaveLength(1);
  });
});

describe('payout emails without SMTP', () => {
  it('writes one .eml file per payout into the outbox, named by the payout', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'ates-outbox-'));
    try {
      const mailer = createMailer({ outbox: folder });
      const payout = {
        transaction_id: randomUUID(),
        task_id: null,
        employee_id: 'e1',
        amount: 4250,
        at: new Date().toISOString(),
        business_day: '2026-11-24',
      };
      const mail = payoutMail(payout, { employee_id: 'e1', full_name: 'Ada Popug', email: 'ada@popug.inc' });
      const path = await mailer.send(mail);
      await mailer.send(mail);
      expect(await readdir(folder)).toEqual([`${payout.transaction_id}.eml`]);
      expect(path).toBe(join(folder, `${payout.transaction_id}.eml`));
      const eml = await readFile(path, 'utf8');
      expect(eml).toContain('To: Ada Popug <ada@popug.inc>');
      expect(eml).toContain('pays you $42.50');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
