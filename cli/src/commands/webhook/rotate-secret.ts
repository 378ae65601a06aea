import { AtesCommand } from '../../base-command.ts';
import { time } from '../../render.ts';
import { endpointArg } from '../../webhooks.ts';

export default class WebhookRotateSecret extends AtesCommand {
  static override summary =
    'Give a webhook endpoint a new signing secret; the old one still signs for 24 hours (admin)';
  static override description =
    'Until then every request carries both signatures in webhook-signature, so the receiver can switch at leisure.';
  static override examples = ['<%= config.bin %> webhook rotate-secret 3f6c1e9a-4b7d-4c2e-9f1a-8d5b6e7c0a12'];
  static override args = { endpoint: endpointArg };

  async run() {
    const { args } = await this.parse(WebhookRotateSecret);
    const rotated = await this.call((api) =>
      api.POST('/v1/webhooks/{id}/rotate-secret', { params: { path: { id: args.endpoint } } }),
    );
    this.log(`New signing secret for ${rotated.url} (copy it now; it is not shown again):`);
    this.log(rotated.secret);
    this.log(`The previous secret still signs until ${time(rotated.previousSecretExpiresAt)} UTC.`);
    return rotated;
  }
}
