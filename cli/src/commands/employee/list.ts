import { Flags } from '@oclif/core';
import { AtesCommand } from '../../base-command.ts';
import type { Schema } from '../../client.ts';
import { type Employee, ROLES } from '../../identity.ts';
import { shortIds, table, time } from '../../render.ts';

export default class EmployeeList extends AtesCommand {
  static override summary = 'List employees by name (admin)';
  static override examples = [
    '<%= config.bin %> employee list',
    '<%= config.bin %> employee list --role worker --status active',
    '<%= config.bin %> employee list --all --json',
  ];
  static override flags = {
    role: Flags.option({ description: 'only this role', options: ROLES })(),
    status: Flags.option({
      description: 'only active or deactivated employees',
      options: ['active', 'deactivated'] as const,
    })(),
    limit: Flags.integer({ description: 'employees per page', min: 1, max: 200, default: 50 }),
    cursor: Flags.string({ description: 'the page after this cursor (from a previous --json answer)' }),
    all: Flags.boolean({ description: 'every page, not just the first', exclusive: ['cursor'] }),
  };

  async run(): Promise<Schema<'EmployeeList'>> {
    const { flags } = await this.parse(EmployeeList);
    const query = {
      limit: flags.limit,
      role: flags.role,
      active: flags.status && (flags.status === 'active' ? ('true' as const) : ('false' as const)),
      cursor: flags.cursor || undefined,
    };
    const items: Employee[] = [];
    let nextCursor: string | null;
    do {
      const page = await this.call((api) => api.GET('/v1/employees', { params: { query } }));
      items.push(...page.items);
      nextCursor = page.nextCursor;
      if (nextCursor) query.cursor = nextCursor;
    } while (flags.all && nextCursor);
    if (items.length === 0) this.log('No employees match.');
    else {
      const short = shortIds(items.map((e) => e.id));
      const rows = items.map((e) => [
        e.fullName,
        e.email,
        e.role,
        e.active ? 'active' : 'deactivated',
        time(e.createdAt),
        short(e.id),
      ]);
      this.log(table(['Name', 'Email', 'Role', 'Status', 'Since (UTC)', 'Id'], rows, { flexible: [0, 1] }));
    }
    if (nextCursor) this.log(`More: ates employee list --cursor ${nextCursor} (or --all)`);
    return { items, nextCursor };
  }
}
