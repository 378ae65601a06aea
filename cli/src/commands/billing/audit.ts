import { Flags } from '@oclif/core';
import { AtesCommand } from '../../base-command.ts';
import { dayFlag, employeeFlag } from '../../billing.ts';
import type { Schema } from '../../client.ts';
import { EMPLOYEES } from '../../identity.ts';
import { auditTable, money, whileWaiting } from '../../render.ts';

export default class BillingAudit extends AtesCommand {
  static override summary = 'Show an audit log: every debit, credit and payout, with its task';
  static override description =
    `Yours, or an employee's (admins and accountants), oldest first: when, how much, and the task's jira id, title and description. Narrow it to one business day (--date) or a range (--from, --to).`;
  static override examples = [
    '<%= config.bin %> billing audit',
    '<%= config.bin %> billing audit --date 2026-11-24',
    '<%= config.bin %> billing audit --employee kesha@popug.inc --from 2026-11-01 --to 2026-11-30 --all',
  ];
  static override flags = {
    employee: employeeFlag,
    date: dayFlag('one business day', { exclusive: ['from', 'to'] }),
    from: dayFlag('first business day of a range'),
    to: dayFlag('last business day of a range'),
    limit: Flags.integer({ description: 'entries per page', min: 1, max: 1000, default: 100 }),
    cursor: Flags.string({ description: 'the page after this cursor (the nextCursor of a previous page)' }),
    all: Flags.boolean({ description: 'every page, not just the first', exclusive: ['cursor'] }),
  };

  async run(): Promise<Schema<'AuditLog'>> {
    const { flags } = await this.parse(BillingAudit);
    const { limit, date, from, to, cursor } = flags;
    const query = { limit, date, from, to, cursor: cursor || undefined };
    const path = { employeeId: await this.resolveId(flags.employee, EMPLOYEES) };
    const items: Schema<'AuditEntry'>[] = [];
    let nextCursor: string | null;
    do {
      const page = await whileWaiting(
        'Reading the audit log',
        this.call((api) => api.GET('/v1/accounts/{employeeId}/audit', { params: { path, query } })),
      );
      items.push(...page.items);
      nextCursor = page.nextCursor;
      if (nextCursor) query.cursor = nextCursor;
    } while (flags.all && nextCursor);
    if (items.length === 0) this.log('No debits, credits or payouts in that period.');
    else {
      this.log(auditTable(items));
      this.log(
        `${items.length} entr${items.length === 1 ? 'y' : 'ies'}, net ${money(items.reduce((n, e) => n + e.amountCents, 0))}.`,
      );
    }
    if (nextCursor) this.log(`More: add --cursor ${nextCursor} (or --all).`);
    return { items, nextCursor };
  }
}
