import { Flags } from '@oclif/core';
import { AtesCommand, EXIT, prompts } from './base-command.ts';
import { loadCredentials, saveCredentials } from './credentials.ts';

/** The API's rule for a new password (api/src/identity/auth.ts). */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 128;

export const newPasswordFlag = Flags.string({
  description: `the new password, ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters (prefer ATES_NEW_PASSWORD in scripts)`,
  env: 'ATES_NEW_PASSWORD',
});

const validNew = (value: string) =>
  (value.length >= PASSWORD_MIN_LENGTH && value.length <= PASSWORD_MAX_LENGTH) ||
  `${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters.`;

/** A command that changes the signed-in employee's password and keeps the new session. */
export abstract class PasswordCommand extends AtesCommand {
  /** Asks for the new password twice, each answer checked as it is given. */
  protected async askNewPassword(): Promise<string> {
    const chosen = await (await prompts()).password({ message: 'New password', mask: '*', validate: validNew });
    await (await prompts()).password({
      message: 'New password again',
      mask: '*',
      validate: (again) => again === chosen || 'Not the same as the first time.',
    });
    return chosen;
  }

  /** `current` and `next`, each on its own line of stdin, for scripts that keep passwords off the command line. */
  protected async passwordsFromStdin(): Promise<{ current: string; next: string }> {
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    const [current = '', next = ''] = text.split(/\r?\n/);
    if (!current || !next) {
      this.error('--stdin takes two lines: the current password, then the new one.', { exit: EXIT.badInput });
    }
    return { current, next };
  }

  /**
   * Changes the password (every session of the employee ends) and keeps the new session the API
   * answers in the stored credentials, when the old one came from there. Answers the new token.
   */
  protected async changePassword(current: string, next: string, token?: string): Promise<string> {
    const valid = validNew(next);
    if (valid !== true) this.error(`The new password must be ${valid}`, { exit: EXIT.badInput });
    const { body } = await this.exchange(
      (api) => api.POST('/v1/me/password', { body: { currentPassword: current, newPassword: next } }),
      token === undefined ? {} : { token },
    );
    const stored = await loadCredentials();
    if (stored && stored.apiUrl === (await this.apiUrl()) && !process.env.ATES_TOKEN && !process.env.ATES_API_KEY) {
      await saveCredentials({ ...stored, token: body.token });
    }
    return body.token;
  }
}
