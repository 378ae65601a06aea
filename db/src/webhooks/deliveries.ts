import { randomBytes } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../postgres/client.ts';
import type { DeliveryReason } from '../schema/webhooks.ts';

/** What a delivery POSTs: an envelope of the log, or a ping shaped like one. */
export interface WebhookMessage {
  event_id: string;
  event_name: string;
  event_version: number;
  event_time: string;
  producer: string;
  data: unknown;
}

/** A Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * Queues one delivery per message and endpoint `to` selects (a condition on the endpoint `e` and
 * the message `m`, e.g. that it subscribes to `m.event_name`); returns how many were queued.
 */
export async function queueDeliveries(
  db: Executor,
  reason: DeliveryReason,
  messages: WebhookMessage[],
  to: SQL,
  retryForMs: number,
): Promise<number> {
  if (messages.length === 0) return 0;
  const rows = await db.execute<{ queued: number }>(sql`
    with queued as (
      insert into webhooks.deliveries (endpoint_id, event_id, event_name, reason, body, retry_until)
      select e.id, (m.body->>'event_id')::uuid, m.body->>'event_name', ${reason}, m.body,
        now() + ${retryForMs} * interval '1 millisecond'
      from jsonb_array_elements(${JSON.stringify(messages)}::jsonb) as m(body)
      join webhooks.endpoints e on ${to}
      returning 1)
    select count(*)::int as queued from queued`);
  return rows[0]?.queued ?? 0;
}

/** The condition of `queueDeliveries` for every enabled endpoint subscribed to the message. */
export const subscribers = sql`e.status = 'enabled' and m.body->>'event_name' = any(e.events)`;

/** The condition of `queueDeliveries` for one endpoint, when subscribed to the message. */
export const subscribedEndpoint = (endpointId: string) =>
  sql`e.id = ${endpointId} and m.body->>'event_name' = any(e.events)`;
