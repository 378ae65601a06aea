import { Flags } from '@oclif/core';
import { AtesCommand, EXIT } from '../../base-command.ts';
import { whileWaiting } from '../../render.ts';
import { type Delivery, describeDelivery, endpointArg } from '../../webhooks.ts';

export default class WebhookPing extends AtesCommand {
  static override summary = 'Send a webhook.ping test message to an endpoint and show how it answered (admin)';
  static override description = 'Exits 0 when the endpoint answered 2xx, 1 otherwise.';
  static override examples = ['<%= config.bin %> webhook ping 3f6c1e9a-4b7d-4c2e-9f1a-8d5b6e7c0a12'];
  static override args = { endpoint: endpointArg };
  static override flags = {
    wait: Flags.integer({ description: 'seconds to wait for the answer', default: 15, min: 1, max: 120 }),
  };

  async run(): Promise<Delivery> {
    const { args, flags } = await this.parse(WebhookPing);
    const queued = await this.call((api) =>
      api.POST('/v1/webhooks/{id}/ping', { params: { path: { id: args.endpoint } } }),
    );
    const delivery = await whileWaiting('Waiting for the answer', this.firstAttempt(queued.id, flags.wait * 1000));
    if (delivery.status !== 'delivered') this.error(describeDelivery(delivery), { exit: EXIT.failure });
    this.log(describeDelivery(delivery));
    return delivery;
  }

  private async firstAttempt(id: string, timeoutMs: number): Promise<Delivery> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const delivery = await this.call((api) => api.GET('/v1/webhook-deliveries/{id}', { params: { path: { id } } }));
      if (delivery.attempts.length > 0 || Date.now() > deadline) return delivery;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
