import { AtesCommand } from '../../base-command.ts';
import { describeEndpoint, type Endpoint, endpointArg } from '../../webhooks.ts';

export default class WebhookShow extends AtesCommand {
  static override summary = 'Show one webhook endpoint (admin)';
  static override examples = ['<%= config.bin %> webhook show 3f6c1e9a-4b7d-4c2e-9f1a-8d5b6e7c0a12'];
  static override args = { endpoint: endpointArg };

  async run(): Promise<Endpoint> {
    const { args } = await this.parse(WebhookShow);
    const endpoint = await this.call((api) =>
      api.GET('/v1/webhooks/{id}', { params: { path: { id: args.endpoint } } }),
    );
    this.log(describeEndpoint(endpoint));
    return endpoint;
  }
}
