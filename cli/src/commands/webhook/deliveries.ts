import { Flags } from '@oclif/core';
import { AtesCommand } from '../../base-command.ts';
import { deliveryTable, endpointArg } from '../../webhooks.ts';

export default class WebhookDeliveries extends AtesCommand {
  static override summary = 'Show a webhook endpoint’s deliveries, every attempt and the next try (admin)';
  static override examples = [
    '<%= config.bin %> webhook deliveries 3f6c1e9a-4b7d-4c2e-9f1a-8d5b6e7c0a12',
    '<%= config.bin %> webhook deliveries 3f6c1e9a-4b7d-4c2e-9f1a-8d5b6e7c0a12 --failed --json',
  ];
  static override args = { endpoint: endpointArg };
  static override flags = {
    failed: Flags.boolean({ description: 'only deliveries that failed and are not delivered (yet)' }),
    limit: Flags.integer({ description: 'how many deliveries, newest first', default: 20, min: 1, max: 500 }),
  };

  async run() {
    const { args, flags } = await this.parse(WebhookDeliveries);
    const page = await this.call((api) =>
      api.GET('/v1/webhooks/{id}/deliveries', {
        params: {
          path: { id: args.endpoint },
          query: { limit: flags.limit, ...(flags.failed ? { failed: 'true' as const } : {}) },
        },
      }),
    );
    if (page.items.length === 0) {
      this.log(flags.failed ? 'No failed deliveries.' : 'No deliveries yet.');
      return page;
    }
    this.log(deliveryTable(page.items));
    if (page.nextCursor) this.log(`Showing the newest ${page.items.length}; pass --limit for more.`);
    return page;
  }
}
