import { Flags } from '@oclif/core';
import { describeTopTasks } from '../../analytics.ts';
import { AtesCommand } from '../../base-command.ts';
import { dayFlag } from '../../billing.ts';
import { whileWaiting } from '../../render.ts';

export default class ReportTopTasks extends AtesCommand {
  static override summary = 'The most expensive tasks of a day, week, month or range (admin)';
  static override description = `The tasks completed in the period with the highest completion reward; equal rewards
go to the earlier completion. A week runs Monday to Sunday; days are counted in the business time zone.
Without flags: today.`;
  static override examples = [
    '<%= config.bin %> report top-tasks',
    '<%= config.bin %> report top-tasks --period week',
    '<%= config.bin %> report top-tasks --period month --date 2026-10-15 --limit 20',
    '<%= config.bin %> report top-tasks --from 2026-11-01 --to 2026-11-15 --json',
  ];
  static override flags = {
    period: Flags.option({
      description: 'the day, week or month that holds --date',
      options: ['day', 'week', 'month'] as const,
      exclusive: ['from', 'to'],
    })(),
    date: dayFlag('a day in the period [default: today]', { exclusive: ['from', 'to'] }),
    from: dayFlag('first day of a range of your own', { dependsOn: ['to'] }),
    to: dayFlag('last day of the range', { dependsOn: ['from'] }),
    limit: Flags.integer({ description: 'how many tasks', min: 1, max: 100, default: 10 }),
  };

  async run() {
    const { flags } = await this.parse(ReportTopTasks);
    const { limit, period, date, from, to } = flags;
    const report = await whileWaiting(
      'Ranking the tasks',
      this.call((api) => api.GET('/v1/reports/top-tasks', { params: { query: { limit, period, date, from, to } } })),
    );
    this.log(describeTopTasks(report));
    return report;
  }
}
