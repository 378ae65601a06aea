import { Args } from '@oclif/core';
import type { Schema } from './client.ts';
import { table, time } from './render.ts';

export type Endpoint = Schema<'WebhookEndpoint'>;
export type Delivery = Schema<'WebhookDelivery'>;

export const endpointArg = Args.string({ description: 'the endpoint id (from `ates webhook list`)', required: true });
export const deliveryArg = Args.string({
  description: 'the delivery id (from `ates webhook deliveries`)',
  required: true,
});

/** `enabled`, `disabled`, or `disabled: failing since …` for one aTES turned off itself. */
export function endpointStatus(endpoint: Endpoint): string {
  return endpoint.status === 'failing' ? `disabled: failing since ${time(endpoint.failingSince)} UTC` : endpoint.status;
}

export function endpointTable(endpoints: Endpoint[]): string {
  const rows = endpoints.map((e) => [e.id, e.url, e.events.join(', '), endpointStatus(e), e.description ?? '']);
  return table(['Id', 'URL', 'Events', 'Status', 'Description'], rows);
}

/** One endpoint, a field a line. */
export function describeEndpoint(endpoint: Endpoint): string {
  return [
    `${endpoint.url} (${endpointStatus(endpoint)})`,
    ...(endpoint.description ? [endpoint.description] : []),
    `Id:      ${endpoint.id}`,
    `Events:  ${endpoint.events.join(', ')}`,
    `Created: ${time(endpoint.createdAt)} UTC`,
    ...(endpoint.previousSecretExpiresAt
      ? [`The previous secret still signs until ${time(endpoint.previousSecretExpiresAt)} UTC.`]
      : []),
  ].join('\n');
}

/** How an attempt went: `200`, `503`, or `no answer`. */
const outcome = (statusCode: number | null) => (statusCode === null ? 'no answer' : String(statusCode));

/** One row per attempt (a delivery not tried yet gets one of its own), newest delivery first. */
export function deliveryTable(deliveries: Delivery[]): string {
  const answerWidth = Math.max(16, Math.min(60, (process.stdout.columns ?? 120) - 110));
  const clip = (text: string) => {
    const line = text.replaceAll(/\s+/g, ' ').trim();
    return line.length > answerWidth ? `${line.slice(0, answerWidth - 1)}…` : line;
  };
  const rows = deliveries.flatMap((d) => {
    const head = [d.id, d.eventName, d.status];
    const next = time(d.nextAttemptAt);
    if (d.attempts.length === 0) return [[...head, '', time(d.createdAt), '', '', '', next]];
    return d.attempts.map((a, i) => [
      ...(i === 0 ? head : ['', '', '']),
      i + 1,
      time(a.attemptedAt),
      outcome(a.statusCode),
      `${a.latencyMs} ms`,
      clip(a.answer),
      i === d.attempts.length - 1 ? next : '',
    ]);
  });
  return table(
    ['Delivery', 'Event', 'State', '#', 'Tried (UTC)', 'Status', 'Latency', 'Answer', 'Next try (UTC)'],
    rows,
    { alignRight: [3, 6] },
  );
}

/** What a delivery came to, in a sentence. */
export function describeDelivery(delivery: Delivery): string {
  const last = delivery.attempts.at(-1);
  const answer = last
    ? `${outcome(last.statusCode)} in ${last.latencyMs} ms${last.answer ? `: ${last.answer}` : ''}`
    : '';
  if (delivery.status === 'delivered') return `Delivered ${delivery.eventName} (${delivery.id}): ${answer}`;
  if (delivery.status === 'dead') return `Gave up on ${delivery.eventName} (${delivery.id}); last answer ${answer}`;
  const next = delivery.nextAttemptAt ? `; next try ${time(delivery.nextAttemptAt)} UTC` : '';
  return last
    ? `Not delivered yet (${delivery.id}): ${answer}${next}`
    : `Queued ${delivery.eventName} (${delivery.id})${next}`;
}
