import type { Handler } from '@ates/db/bus';
import { queueDeliveries, subscribers } from '@ates/db/webhooks';

/**
 * The consumer `webhooks.fan-out`: every event of the log, at its current version, becomes one
 * delivery per enabled endpoint subscribed to it, in the inbox's transaction, so an event is
 * queued for an endpoint once. Sending is the sender's job: a receiver never holds up the bus.
 */
export function fanOutHandler(retryForMs: number, queued: () => void): Handler {
  return async (tx, events) => {
    if ((await queueDeliveries(tx, 'event', events, subscribers, retryForMs)) > 0) queued();
  };
}
