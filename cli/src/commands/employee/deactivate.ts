import { Flags } from '@oclif/core';
import { confirmOrStop } from '../../base-command.ts';
import { type Employee, EmployeeCommand, employeeArg } from '../../identity.ts';
import { describeEmployee } from '../../render.ts';

export default class EmployeeDeactivate extends EmployeeCommand {
  static override summary = 'Deactivate an employee: no more sign-in, sessions or API keys (admin)';
  static override description = 'There is no undo: asks first at a terminal; elsewhere pass --yes.';
  static override examples = [
    '<%= config.bin %> employee deactivate kesha@popug.inc',
    '<%= config.bin %> employee deactivate 3f2b8c1e-… --yes --json',
  ];
  static override args = { employee: employeeArg };
  static override flags = {
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation' }),
  };

  async run(): Promise<Employee> {
    const { args, flags } = await this.parse(EmployeeDeactivate);
    const target = await this.findEmployee(args.employee);
    await confirmOrStop(`Deactivate ${describeEmployee(target)}? There is no undo.`, {
      yes: flags.yes,
      action: 'deactivate',
    });
    const employee = await this.call((api) =>
      api.POST('/v1/employees/{id}/deactivate', { params: { path: { id: target.id } } }),
    );
    this.log(`Deactivated ${describeEmployee(employee)}: their sessions ended and their API keys stopped working.`);
    return employee;
  }
}
