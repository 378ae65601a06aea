import { AtesCommand } from '../../base-command.ts';
import { type Endpoint, endpointTable } from '../../webhooks.ts';

export default class WebhookList extends AtesCommand {
  static override summary = 'List webhook endpoints and whether they are enabled (admin)';
  static override examples = ['<%= config.bin %> webhook list', '<%= config.bin %> webhook list --json'];

  async run(): Promise<{ items: Endpoint[] }> {
    const result = await this.request<{ items: Endpoint[] }>('GET', '/v1/webhooks');
    this.log(
      result.items.length === 0
        ? 'No webhook endpoints: add one with `ates webhook add`.'
        : endpointTable(result.items),
    );
    return result;
  }
}
