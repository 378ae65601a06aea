import { Flags } from '@oclif/core';
import { AtesCommand } from '../../base-command.ts';
import { count, whileWaiting } from '../../render.ts';
import { endpointArg } from '../../webhooks.ts';

export default class WebhookReplay extends AtesCommand {
  static override summary = 'Send a webhook endpoint every event it subscribes to since a time, from the log (admin)';
  static override description =
    'Each event goes again with its own webhook-id, at its current version: a receiver that dedupes ignores ' +
    'what it already has.';
  static override examples = [
    '<%= config.bin %> webhook replay 3f6c1e9a-4b7d-4c2e-9f1a-8d5b6e7c0a12 --from 2026-11-24T00:00:00Z',
  ];
  static override args = { endpoint: endpointArg };
  static override flags = {
    from: Flags.string({ description: 'an ISO 8601 time, e.g. 2026-11-24T00:00:00Z', required: true }),
  };

  async run() {
    const { args, flags } = await this.parse(WebhookReplay);
    const result = await whileWaiting(
      'Reading the event log',
      this.call((api) =>
        api.POST('/v1/webhooks/{id}/replay', { params: { path: { id: args.endpoint } }, body: { from: flags.from } }),
      ),
    );
    this.log(`Queued ${count(result.queued)} event${result.queued === 1 ? '' : 's'} since ${flags.from}.`);
    return result;
  }
}
