import { AtesCommand } from '../base-command.ts';
import { forgetCredentials, loadCredentials } from '../credentials.ts';
import { send } from '../http.ts';

export default class Logout extends AtesCommand {
  static override summary = 'End your session and forget it on this machine';
  static override examples = ['<%= config.bin %> logout'];

  async run(): Promise<{ loggedOut: boolean }> {
    const credentials = await loadCredentials();
    if (!credentials) {
      this.log('You are not logged in.');
      return { loggedOut: false };
    }
    await this.endSession(credentials.apiUrl, credentials.token);
    await forgetCredentials();
    this.log(`Logged out of ${credentials.apiUrl}.`);
    return { loggedOut: true };
  }

  /** Revokes the session on the server; one that already expired, or a server that is gone, is no reason to keep it here. */
  private async endSession(apiUrl: string, token: string): Promise<void> {
    try {
      await send(`${apiUrl}/api/auth/sign-out`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
    } catch {
      this.warn(`Could not reach ${apiUrl} to end the session there; forgetting it here.`);
    }
  }
}
