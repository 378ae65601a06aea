import { Flags } from '@oclif/core';
import type { paths } from '../../api.d.ts';
import { AtesCommand } from '../../base-command.ts';
import type { Schema } from '../../client.ts';
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

  async run(): Promise<Schema<'AccountList'>> {
    const { flags } = await this.parse(BillingBalances);
    const balance = flags.negative ? ('negative' as const) : flags.positive ? ('positive' as const) : undefined;
    const query = { sort: flags.sort, order: flags.order, limit: flags.limit, balance, cursor: flags.cursor };
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

  private async pages(query: AccountsQuery, all: boolean): Promise<Schema<'AccountList'>> {
    const page = () => this.call((api) => api.GET('/v1/accounts', { params: { query } }));
    const first = await page();
    const items = [...first.items];
    let { nextCursor } = first;
    while (all && nextCursor) {
      query.cursor = nextCursor;
      const next = await page();
      items.push(...next.items);
      nextCursor = next.nextCursor;
    }
    return { items, nextCursor, totals: first.totals };
  }
}

type AccountsQuery = NonNullable<paths['/v1/accounts']['get']['parameters']['query']>;

function balanceTable(accounts: Schema<'Account'>[]): string {
  const rows = accounts.map((a) => [a.fullName ?? a.employeeId, a.email ?? '', money(a.balanceCents)]);
  return table(['Employee', 'Email', 'Balance'], rows, { alignRight: [2] });
}
