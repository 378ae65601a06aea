import { Args } from '@oclif/core';
import { type Employee, EmployeeCommand, employeeArg, ROLES } from '../../identity.ts';
import { describeEmployee } from '../../render.ts';

export default class EmployeeSetRole extends EmployeeCommand {
  static override summary = 'Give an employee another role (admin)';
  static override examples = [
    '<%= config.bin %> employee set-role kesha@popug.inc manager',
    '<%= config.bin %> employee set-role 3f2b8c1e-… accountant --json',
  ];
  static override args = {
    employee: employeeArg,
    role: Args.option({ description: 'the new role', options: ROLES })({ required: true }),
  };

  async run(): Promise<Employee> {
    const { args } = await this.parse(EmployeeSetRole);
    const { id } = await this.findEmployee(args.employee);
    const employee = await this.call((api) =>
      api.PATCH('/v1/employees/{id}', { params: { path: { id } }, body: { role: args.role } }),
    );
    this.log(`${describeEmployee(employee)} now.`);
    return employee;
  }
}
