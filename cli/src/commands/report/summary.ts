import { describeSummary } from '../../analytics.ts';
import { AtesCommand } from '../../base-command.ts';
import { whileWaiting } from '../../render.ts';

export default class ReportSummary extends AtesCommand {
  static override summary = "Today's management earnings and how many employees are in the negative (admin)";
  static override description = `Today is the business day in progress, as the ledger counts it: the calendar day in the
business time zone (ATES_TIMEZONE on the server), or the next one once today has been closed early.
Management earnings are the day's assign fees less its completion rewards; an employee is in the negative
when their balance, over all time, is below zero.`;
  static override examples = ['<%= config.bin %> report summary', '<%= config.bin %> report summary --json'];

  async run() {
    const summary = await whileWaiting(
      'Reading the analytics',
      this.call((api) => api.GET('/v1/reports/summary')),
    );
    this.log(describeSummary(summary));
    return summary;
  }
}
