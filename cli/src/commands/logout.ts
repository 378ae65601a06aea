import { AtesCommand } from '../base-command.ts';
import { forgetCredentials, loadCredentials } from '../credentials.ts';
import { httpFetch } from '../http.ts';

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

  /**
   * Revokes the session on the server; one that already expired, or a server that is gone, is no
   * reason to keep it here. Sign-out is better-auth's own route, which the API's document does not
   * describe, so it goes to the transport directly.
   */
  private async endSession(apiUrl: string, token: string): Promise<void> {
    try {
      await httpFetch(
        new Request(`${apiUrl}/api/auth/sign-out`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '{}',
        }),
      );
    } catch {
      this.warn(`Could not reach ${apiUrl} to end the session there; forgetting it here.`);
    }
  }
}
