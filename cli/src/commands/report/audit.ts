import { Flags } from '@oclif/core';
import { describeAuditReport } from '../../analytics.ts';
import { AtesCommand } from '../../base-command.ts';
import { dayFlag } from '../../billing.ts';
import type { Schema } from '../../client.ts';
import { whileWaiting } from '../../render.ts';

export default class ReportAudit extends AtesCommand {
  static override summary = "A business day's audit log: every fee, reward and payout (admin)";
  static override description = `Every entry of the day, oldest first, with the employee and the task it was for;
amounts as the employee's balance moved (a fee or a payout negative). Without --date: the business day in progress (today, or tomorrow once today is closed).`;
  static override examples = [
    '<%= config.bin %> report audit',
    '<%= config.bin %> report audit --date 2026-11-24 --all',
    '<%= config.bin %> report audit --date 2026-11-24 --json',
  ];
  static override flags = {
    date: dayFlag('the business day [default: the one in progress]'),
    limit: Flags.integer({ description: 'entries per page', min: 1, max: 1000, default: 100 }),
    cursor: Flags.string({ description: 'the page after this cursor (the nextCursor of a previous page)' }),
    all: Flags.boolean({ description: 'every page, not just the first', exclusive: ['cursor'] }),
  };

  async run(): Promise<Schema<'AnalyticsAuditLog'>> {
    const { flags } = await this.parse(ReportAudit);
    const query = { limit: flags.limit, date: flags.date, cursor: flags.cursor };
    const items: Schema<'AnalyticsAuditEntry'>[] = [];
    let page: Schema<'AnalyticsAuditLog'>;
    do {
      page = await whileWaiting(
        'Reading the audit log',
        this.call((api) => api.GET('/v1/reports/audit', { params: { query } })),
      );
      items.push(...page.items);
      if (page.nextCursor) query.cursor = page.nextCursor;
    } while (flags.all && page.nextCursor);
    this.log(describeAuditReport({ businessDay: page.businessDay, items }));
    if (page.nextCursor) this.log(`More: add --cursor ${page.nextCursor} (or --all).`);
    return { businessDay: page.businessDay, items, nextCursor: page.nextCursor };
  }
}
