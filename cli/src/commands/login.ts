import { Flags } from '@oclif/core';
import { ask, EXIT, prompts } from '../base-command.ts';
import { credentialsPath, saveCredentials } from '../credentials.ts';
import { checkEmail, type Employee } from '../identity.ts';
import { newPasswordFlag, PasswordCommand } from '../passwords.ts';
import { describeEmployee } from '../render.ts';

export default class Login extends PasswordCommand {
  static override summary = 'Sign in to aTES and keep the session for the next commands';
  static override description = `Asks for your email and password, or takes them from --email / --password (or
ATES_EMAIL / ATES_PASSWORD) in scripts. The session token is kept in your config directory
($XDG_CONFIG_HOME/ates/credentials.json), readable by you only, and is bound to the API it came
from: other commands refuse to send it to another --api (exit code 3) until you log in there. Signed
in with a one-time password an admin reset, it asks for a new one at once (or takes --new-password /
ATES_NEW_PASSWORD).`;
  static override examples = [
    '<%= config.bin %> login',
    '<%= config.bin %> login --api https://ates.popug.inc --email kesha@popug.inc',
    'ATES_PASSWORD=… <%= config.bin %> login --email kesha@popug.inc --json',
  ];
  static override flags = {
    email: Flags.string({ description: 'your email', env: 'ATES_EMAIL' }),
    password: Flags.string({ description: 'your password (prefer ATES_PASSWORD in scripts)', env: 'ATES_PASSWORD' }),
    'new-password': newPasswordFlag,
  };

  async run(): Promise<{ apiUrl: string; employee: Employee }> {
    const { flags } = await this.parse(Login);
    const apiUrl = await this.apiUrl();
    const email =
      flags.email ??
      (await ask('email', async () => (await prompts()).input({ message: 'Email', validate: checkEmail })));
    const secret =
      flags.password ??
      (await ask('password', async () => (await prompts()).password({ message: 'Password', mask: '*' })));
    const { body, response } = await this.exchange(
      (api) => api.POST('/api/auth/sign-in/email', { body: { email, password: secret } }),
      { token: null },
    );
    let token = response.headers.get('set-auth-token');
    if (!token) this.error(`The API at ${apiUrl} signed you in but sent no token.`, { exit: EXIT.failure });
    if (body.user.mustChangePassword) token = await this.replaceOneTimePassword(apiUrl, email, secret, token, flags);
    const { body: employee } = await this.exchange((api) => api.GET('/v1/me'), { token });
    await saveCredentials({ apiUrl, token, email: employee.email });
    this.log(`Logged in to ${apiUrl} as ${describeEmployee(employee)}.`);
    this.log(`Session kept in ${credentialsPath()}.`);
    return { apiUrl, employee };
  }

  /** A one-time password from an admin reset: nothing works until it is changed, so change it now. */
  private async replaceOneTimePassword(
    apiUrl: string,
    email: string,
    oneTime: string,
    token: string,
    flags: { 'new-password'?: string },
  ): Promise<string> {
    this.logToStderr('Your password was reset by an admin: choose a new one before anything else.');
    if (flags['new-password'] === undefined && !process.stdin.isTTY) {
      await saveCredentials({ apiUrl, token, email });
      this.error('Signed in, but nothing works until you change the one-time password: run `ates password change`.', {
        exit: EXIT.forbidden,
      });
    }
    const next = flags['new-password'] ?? (await this.askNewPassword());
    const renewed = await this.changePassword(oneTime, next, token);
    this.log('Password changed.');
    return renewed;
  }
}
