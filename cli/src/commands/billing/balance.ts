import { AtesCommand } from '../../base-command.ts';
import { employeeFlag } from '../../billing.ts';
import { EMPLOYEES } from '../../identity.ts';
import { money, printable } from '../../render.ts';

export default class BillingBalance extends AtesCommand {
  static override summary = 'Show a balance: yours, or an employee’s (admins, accountants)';
  static override description =
    `A positive balance is paid out at the close of the business day; a negative one carries over to the next day.`;
  static override examples = [
    '<%= config.bin %> billing balance',
    '<%= config.bin %> billing balance --employee kesha@popug.inc',
    '<%= config.bin %> billing balance --json',
  ];
  static override flags = { employee: employeeFlag };

  async run() {
    const { flags } = await this.parse(BillingBalance);
    const employeeId = await this.resolveId(flags.employee, EMPLOYEES);
    const account = await this.call((api) =>
      api.GET('/v1/accounts/{employeeId}', { params: { path: { employeeId } } }),
    );
    const who = printable(account.fullName ? `${account.fullName} <${account.email}>` : account.employeeId);
    const standing =
      account.balanceCents > 0
        ? 'paid out at the close of the day'
        : account.balanceCents < 0
          ? 'owed, carried over to the next day'
          : 'nothing owed either way';
    this.log(`${who}: ${money(account.balanceCents)} (${standing}; business day ${account.businessDay})`);
    return account;
  }
}
