import { Flags } from '@oclif/core';
import { AtesCommand } from '../../base-command.ts';
import type { Account, AccountList } from '../../billing.ts';
import { count, money, table, whileWaiting } from '../../render.ts';

export default class BillingBalances extends AtesCommand {
  static override summary = "Every employee's balance, with totals (admins, accountants)";
  static override description =
    'Sorted by name or balance; --negative keeps those in debt, --positive those the close will pay out. ' +
    'The totals cover every matching account, not only the page shown.';
  static override examples = [
    '<%= config.bin %> billing balances',
    '<%= config.bin %> billing balances --negative --sort balance',
    '<%= config.bin %> billing balances --positive --sort balance --order desc --all --json',
  ];
  static override flags = {
    sort: Flags.option({ description: 'what to sort by', options: ['name', 'balance'] as const, default: 'name' })(),
    order: Flags.option({ description: 'which way', options: ['asc', 'desc'] as const, default: 'asc' })(),
    negative: Flags.boolean({ description: 'only negative balances (owed)', exclusive: ['positive'] }),
    positive: Flags.boolean({ description: 'only positive balances (to be paid out)', exclusive: ['negative'] }),
    limit: Flags.integer({ description: 'accounts per page', min: 1, max: 1000, default: 100 }),
    cursor: Flags.string({ description: 'the page after this cursor (the nextCursor of a previous page)' }),
    all: Flags.boolean({ description: 'every page, not just the first', exclusive: ['cursor'] }),
  };

  async run(): Promise<AccountList> {
    const { flags } = await this.parse(BillingBalances);
    const query = new URLSearchParams({ sort: flags.sort, order: flags.order, limit: String(flags.limit) });
    if (flags.negative) query.set('balance', 'negative');
    if (flags.positive) query.set('balance', 'positive');
    if (flags.cursor) query.set('cursor', flags.cursor);
    const list = await whileWaiting('Reading the balances', this.pages(query, flags.all));
    this.log(list.items.length === 0 ? 'No accounts match.' : balanceTable(list.items));
    const { totals } = list;
    this.log(
      `${count(totals.count)} accounts: ${money(totals.positiveCents)} to be paid out, ` +
        `${money(totals.negativeCents)} owed.`,
    );
    if (list.nextCursor) this.log(`More: add --cursor ${list.nextCursor} (or --all).`);
    return list;
  }

  private async pages(query: URLSearchParams, all: boolean): Promise<AccountList> {
    const first = await this.request<AccountList>('GET', `/v1/accounts?${query}`);
    const items = [...first.items];
    let { nextCursor } = first;
    while (all && nextCursor) {
      query.set('cursor', nextCursor);
      const page = await this.request<AccountList>('GET', `/v1/accounts?${query}`);
      items.push(...page.items);
      nextCursor = page.nextCursor;
    }
    return { items, nextCursor, totals: first.totals };
  }
}

function balanceTable(accounts: Account[]): string {
  const rows = accounts.map((a) => [a.fullName ?? a.employeeId, a.email ?? '', money(a.balanceCents)]);
  return table(['Employee', 'Email', 'Balance'], rows, { alignRight: [2] });
}
