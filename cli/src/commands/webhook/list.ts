import { AtesCommand } from '../../base-command.ts';
import { endpointTable } from '../../webhooks.ts';

export default class WebhookList extends AtesCommand {
  static override summary = 'List webhook endpoints and whether they are enabled (admin)';
  static override examples = ['<%= config.bin %> webhook list', '<%= config.bin %> webhook list --json'];

  async run() {
    const result = await this.call((api) => api.GET('/v1/webhooks'));
    this.log(
      result.items.length === 0
        ? 'No webhook endpoints: add one with `ates webhook add`.'
        : endpointTable(result.items),
    );
    return result;
  }
}
