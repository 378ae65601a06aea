import { Flags } from '@oclif/core';
import { ask, prompts } from '../../base-command.ts';
import { loadCredentials } from '../../credentials.ts';
import { newPasswordFlag, PasswordCommand } from '../../passwords.ts';

export default class PasswordChange extends PasswordCommand {
  static override summary = 'Change your password; your other sessions end';
  static override description = `At a terminal it asks for your current password and the new one twice. In scripts pass
--current-password and --new-password (or ATES_PASSWORD and ATES_NEW_PASSWORD), or --stdin with the
current and the new password on two lines. Every other session of yours ends (other terminals, other
tokens); this one goes on with a new token, kept where \`ates login\` keeps it. After an admin reset this
is the only command that works until you have changed the one-time password.`;
  static override examples = [
    '<%= config.bin %> password change',
    'printf \'%s\\n%s\\n\' "$OLD" "$NEW" | <%= config.bin %> password change --stdin --json',
  ];
  static override flags = {
    'current-password': Flags.string({
      description: 'your current password (prefer ATES_PASSWORD in scripts)',
      env: 'ATES_PASSWORD',
      exclusive: ['stdin'],
    }),
    'new-password': { ...newPasswordFlag, exclusive: ['stdin'] },
    stdin: Flags.boolean({ description: 'read the current and the new password from two lines of stdin' }),
  };

  async run(): Promise<{ email: string | null; otherSessionsEnded: true }> {
    const { flags } = await this.parse(PasswordChange);
    const { current, next } = flags.stdin
      ? await this.passwordsFromStdin()
      : {
          current:
            flags['current-password'] ??
            (await ask('current-password', async () =>
              (await prompts()).password({ message: 'Current password', mask: '*' }),
            )),
          next: flags['new-password'] ?? (await ask('new-password', () => this.askNewPassword())),
        };
    await this.changePassword(current, next);
    const email = (await loadCredentials())?.email ?? null;
    this.log('Password changed. Your other sessions have ended; this one goes on.');
    return { email, otherSessionsEnded: true };
  }
}
