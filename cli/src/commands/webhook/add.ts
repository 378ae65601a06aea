import { input } from '@inquirer/prompts';
import { Flags } from '@oclif/core';
import { AtesCommand, ask } from '../../base-command.ts';
import type { Schema } from '../../client.ts';
import { describeEndpoint } from '../../webhooks.ts';

type EventName = Schema<'NewWebhookEndpoint'>['events'][number];

export default class WebhookAdd extends AtesCommand {
  static override summary = 'Register a webhook endpoint: aTES POSTs it the events it names, signed (admin)';
  static override description =
    'The URL must be https. The signing secret (whsec_…) is shown this once: give it to the receiver, which ' +
    'verifies every request with a Standard Webhooks library and dedupes on the webhook-id header. ' +
    'Event names: GET /v1/event-schemas.';
  static override examples = [
    '<%= config.bin %> webhook add --url https://jira-sync.popug.inc/hooks/ates --event TaskCompleted',
    '<%= config.bin %> webhook add --url https://bank.popug.inc/ates --event PayoutMade --description "Bank transfers" --json',
  ];
  static override flags = {
    url: Flags.string({ description: 'the https URL to POST to' }),
    event: Flags.string({ description: 'an event to send (repeat for more), e.g. TaskCompleted', multiple: true }),
    description: Flags.string({ description: 'what the endpoint is for' }),
  };

  async run() {
    const { flags } = await this.parse(WebhookAdd);
    const url = flags.url ?? (await ask('url', () => input({ message: 'URL to POST events to:', required: true })));
    const events =
      flags.event ??
      (await ask('event', async () =>
        (await input({ message: 'Events (comma-separated):', required: true })).split(',').map((e) => e.trim()),
      ));
    const created = await this.call((api) =>
      api.POST('/v1/webhooks', {
        // The API says which event names it knows, and answers any other with a 400 that names it.
        body: { url, events: events as EventName[], ...(flags.description ? { description: flags.description } : {}) },
      }),
    );
    this.log(describeEndpoint(created));
    this.log('Signing secret (copy it now; it is not shown again):');
    this.log(created.secret);
    return created;
  }
}
