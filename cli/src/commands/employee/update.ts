import { Flags } from '@oclif/core';
import { EXIT } from '../../base-command.ts';
import { type Employee, EmployeeCommand, employeeArg } from '../../identity.ts';
import { describeEmployee } from '../../render.ts';

export default class EmployeeUpdate extends EmployeeCommand {
  static override summary = 'Change an employee’s name or email (admin)';
  static override examples = [
    '<%= config.bin %> employee update kesha@popug.inc --name "Kesha the Great"',
    '<%= config.bin %> employee update 3f2b8c1e-… --email kesha@popug.inc',
  ];
  static override args = { employee: employeeArg };
  static override flags = {
    name: Flags.string({ description: 'their new full name' }),
    email: Flags.string({ description: 'their new email; they sign in with it from now on' }),
  };

  async run(): Promise<Employee> {
    const { args, flags } = await this.parse(EmployeeUpdate);
    if (flags.name === undefined && flags.email === undefined) {
      this.error('Nothing to change: pass --name and/or --email.', { exit: EXIT.badInput });
    }
    const { id } = await this.findEmployee(args.employee);
    const changes = {
      ...(flags.name === undefined ? {} : { fullName: flags.name }),
      ...(flags.email === undefined ? {} : { email: flags.email }),
    };
    const employee = await this.call((api) =>
      api.PATCH('/v1/employees/{id}', { params: { path: { id } }, body: changes }),
    );
    this.log(`Updated: ${describeEmployee(employee)}.`);
    return employee;
  }
}
