import { confirm } from '@inquirer/prompts';
import { Flags } from '@oclif/core';
import { AtesCommand, EXIT } from '../../base-command.ts';
import { endpointArg } from '../../webhooks.ts';

export default class WebhookRemove extends AtesCommand {
  static override summary = 'Remove a webhook endpoint with its delivery history (admin)';
  static override description = 'There is no undo: asks first at a terminal; elsewhere pass --yes.';
  static override examples = ['<%= config.bin %> webhook remove 3f6c1e9a-4b7d-4c2e-9f1a-8d5b6e7c0a12 --yes'];
  static override args = { endpoint: endpointArg };
  static override flags = { yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation' }) };

  async run(): Promise<{ id: string; removed: true }> {
    const { args, flags } = await this.parse(WebhookRemove);
    const params = { path: { id: args.endpoint } };
    const endpoint = await this.call((api) => api.GET('/v1/webhooks/{id}', { params }));
    if (!flags.yes) {
      if (!process.stdin.isTTY) this.error('Pass --yes to remove when not at a terminal.', { exit: EXIT.badInput });
      const sure = await confirm({
        message: `Remove ${endpoint.url} and its deliveries? There is no undo.`,
        default: false,
      });
      if (!sure) this.error('Nothing changed.', { exit: EXIT.failure });
    }
    await this.call((api) => api.DELETE('/v1/webhooks/{id}', { params }));
    this.log(`Removed ${endpoint.url} (${endpoint.id}).`);
    return { id: endpoint.id, removed: true };
  }
}
