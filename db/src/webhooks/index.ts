/** `@ates/db/webhooks`: endpoints' settings, the addresses deliveries may go to, and queuing them. */
export { assertDeliverableUrl, assertLiteralAllowed, guardedLookup, WebhookAddressError } from './address.ts';
export {
  newSigningSecret,
  queueDeliveries,
  subscribedEndpoint,
  subscribers,
  type WebhookMessage,
} from './deliveries.ts';
export { type WebhookSettings, webhookSettings } from './settings.ts';
