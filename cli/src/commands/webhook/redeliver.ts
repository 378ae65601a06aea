import { AtesCommand } from '../../base-command.ts';
import { type Delivery, deliveryArg, describeDelivery } from '../../webhooks.ts';

export default class WebhookRedeliver extends AtesCommand {
  static override summary = 'Send one delivery again now, with a fresh retry window (admin)';
  static override examples = ['<%= config.bin %> webhook redeliver 9a2b7c4d-1e3f-4a5b-8c6d-7e8f9a0b1c2d'];
  static override args = { delivery: deliveryArg };

  async run(): Promise<Delivery> {
    const { args } = await this.parse(WebhookRedeliver);
    const delivery = await this.call((api) =>
      api.POST('/v1/webhook-deliveries/{id}/redeliver', { params: { path: { id: args.delivery } } }),
    );
    this.log(describeDelivery(delivery));
    return delivery;
  }
}
