import { Flags } from '@oclif/core';
import { AtesCommand, ask, prompts } from '../../base-command.ts';
import { checkEmail, ROLES } from '../../identity.ts';
import { describeEmployee } from '../../render.ts';

export default class EmployeeCreate extends AtesCommand {
  static override summary = 'Create an employee who can sign in (admin)';
  static override description = `Asks for whatever the flags leave out when run at a terminal. Without --password (and
an empty answer at the prompt) a strong password is generated and shown once. Each answer is checked
as it is given: the email must look like one and be nobody's yet.`;
  static override examples = [
    '<%= config.bin %> employee create',
    '<%= config.bin %> employee create --email kesha@popug.inc --name "Kesha Popug" --role worker',
    '<%= config.bin %> employee create --email chief@popug.inc --name "Chief Popug" --role manager --json',
  ];
  static override flags = {
    email: Flags.string({ description: 'their email; they sign in with it' }),
    name: Flags.string({ description: 'their full name' }),
    role: Flags.option({ description: 'what they may do', options: ROLES })(),
    password: Flags.string({ description: `their password (at least 10 characters) [default: generated]` }),
  };

  async run() {
    const { flags } = await this.parse(EmployeeCreate);
    const email =
      flags.email ??
      (await ask('email', async () =>
        (await prompts()).input({ message: 'Email', validate: (v) => this.newEmail(v) }),
      ));
    const fullName =
      flags.name ?? (await ask('name', async () => (await prompts()).input({ message: 'Full name', required: true })));
    const role =
      flags.role ??
      (await ask('role', async () =>
        (await prompts()).select({ message: 'Role', choices: ROLES.map((value) => ({ value })), default: 'worker' }),
      ));
    const chosen = flags.password ?? (process.stdin.isTTY ? await this.askPassword() : '');
    const created = await this.call((api) =>
      api.POST('/v1/employees', { body: { email, fullName, role, ...(chosen ? { password: chosen } : {}) } }),
    );
    this.log(`Created ${describeEmployee(created)} (id ${created.id}).`);
    if (created.generatedPassword) this.log(`Their password, shown this once: ${created.generatedPassword}`);
    return created;
  }

  /** At the prompt: the email must look like one and belong to nobody yet. */
  private async newEmail(value: string): Promise<true | string> {
    const shape = checkEmail(value);
    if (shape !== true) return shape;
    const { items } = await this.call((api) =>
      api.GET('/v1/employees', { params: { query: { email: value.trim() } } }),
    );
    return items.length === 0 || `${value.trim()} already belongs to ${items[0]?.fullName}.`;
  }

  private async askPassword(): Promise<string> {
    return (await prompts()).password({
      message: 'Password (empty: generate one)',
      mask: '*',
      validate: (value) => value.length === 0 || value.length >= 10 || 'At least 10 characters, or empty.',
    });
  }
}
