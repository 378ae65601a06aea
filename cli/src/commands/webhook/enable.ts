import { AtesCommand } from '../../base-command.ts';
import { type Endpoint, endpointArg } from '../../webhooks.ts';

export default class WebhookEnable extends AtesCommand {
  static override summary = 'Send to a webhook endpoint again and forget its failures (admin)';
  static override examples = ['<%= config.bin %> webhook enable 3f6c1e9a-4b7d-4c2e-9f1a-8d5b6e7c0a12'];
  static override args = { endpoint: endpointArg };

  async run(): Promise<Endpoint> {
    const { args } = await this.parse(WebhookEnable);
    const endpoint = await this.call((api) =>
      api.POST('/v1/webhooks/{id}/enable', { params: { path: { id: args.endpoint } } }),
    );
    this.log(`Enabled ${endpoint.url} (${endpoint.id}).`);
    return endpoint;
  }
}
