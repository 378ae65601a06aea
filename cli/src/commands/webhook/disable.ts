import { AtesCommand } from '../../base-command.ts';
import { type Endpoint, endpointArg } from '../../webhooks.ts';

export default class WebhookDisable extends AtesCommand {
  static override summary = 'Stop sending to a webhook endpoint; events meanwhile are not queued for it (admin)';
  static override examples = ['<%= config.bin %> webhook disable 3f6c1e9a-4b7d-4c2e-9f1a-8d5b6e7c0a12'];
  static override args = { endpoint: endpointArg };

  async run(): Promise<Endpoint> {
    const { args } = await this.parse(WebhookDisable);
    const endpoint = await this.call((api) =>
      api.POST('/v1/webhooks/{id}/disable', { params: { path: { id: args.endpoint } } }),
    );
    this.log(`Disabled ${endpoint.url} (${endpoint.id}).`);
    return endpoint;
  }
}
