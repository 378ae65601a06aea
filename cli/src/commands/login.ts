import { input, password } from '@inquirer/prompts';
import { Flags } from '@oclif/core';
import { AtesCommand, ask, EXIT } from '../base-command.ts';
import { credentialsPath, saveCredentials } from '../credentials.ts';
import type { Employee } from '../identity.ts';
import { describeEmployee } from '../render.ts';

export default class Login extends AtesCommand {
  static override summary = 'Sign in to aTES and keep the session for the next commands';
  static override description = `Asks for your email and password, or takes them from --email / --password (or
ATES_EMAIL / ATES_PASSWORD) in scripts. The session token is kept in your config directory
($XDG_CONFIG_HOME/ates/credentials.json), readable by you only, and is bound to the API it came
from: other commands refuse to send it to another --api (exit code 3) until you log in there.`;
  static override examples = [
    '<%= config.bin %> login',
    '<%= config.bin %> login --api https://ates.popug.inc --email kesha@popug.inc',
    'ATES_PASSWORD=… <%= config.bin %> login --email kesha@popug.inc --json',
  ];
  static override flags = {
    email: Flags.string({ description: 'your email', env: 'ATES_EMAIL' }),
    password: Flags.string({ description: 'your password (prefer ATES_PASSWORD in scripts)', env: 'ATES_PASSWORD' }),
  };

  async run(): Promise<{ apiUrl: string; employee: Employee }> {
    const { flags } = await this.parse(Login);
    const apiUrl = await this.apiUrl();
    const email = flags.email ?? (await ask('email', () => input({ message: 'Email', required: true })));
    const secret = flags.password ?? (await ask('password', () => password({ message: 'Password', mask: '*' })));
    const { headers } = await this.exchange('POST', '/api/auth/sign-in/email', {
      body: { email, password: secret },
      token: null,
    });
    const token = headers.get('set-auth-token');
    if (!token) this.error(`The API at ${apiUrl} signed you in but sent no token.`, { exit: EXIT.failure });
    const { body: employee } = await this.exchange<Employee>('GET', '/v1/me', { token });
    await saveCredentials({ apiUrl, token, email: employee.email });
    this.log(`Logged in to ${apiUrl} as ${describeEmployee(employee)}.`);
    this.log(`Session kept in ${credentialsPath()}.`);
    return { apiUrl, employee };
  }
}
