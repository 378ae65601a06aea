import { Flags } from '@oclif/core';
import { confirmOrStop } from '../../base-command.ts';
import { EmployeeCommand, employeeArg } from '../../identity.ts';
import { describeEmployee } from '../../render.ts';

export default class EmployeeResetPassword extends EmployeeCommand {
  static override summary = 'Give an employee a one-time password they must change at their next sign-in (admin)';
  static override description = `The password is generated and shown once. Every session of the employee ends now; after
signing in with it, nothing but \`ates password change\` works for them until they have chosen their own.
Asks first at a terminal; elsewhere pass --yes. Needs a signed-in admin, not an API key.`;
  static override examples = [
    '<%= config.bin %> employee reset-password kesha@popug.inc',
    '<%= config.bin %> employee reset-password 3f2b8c1e-… --yes --json',
  ];
  static override args = { employee: employeeArg };
  static override flags = {
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation' }),
  };

  async run() {
    const { args, flags } = await this.parse(EmployeeResetPassword);
    const target = await this.findEmployee(args.employee);
    await confirmOrStop(`Reset the password of ${describeEmployee(target)}? Their sessions end now.`, {
      yes: flags.yes,
      action: 'reset a password',
    });
    const reset = await this.call((api) =>
      api.POST('/v1/employees/{id}/reset-password', { params: { path: { id: target.id } } }),
    );
    this.log(`Reset the password of ${describeEmployee(reset)}; their sessions have ended.`);
    this.log(`One-time password, shown this once: ${reset.oneTimePassword}`);
    this.log('They must change it when they next sign in (`ates login` asks them to).');
    return reset;
  }
}
