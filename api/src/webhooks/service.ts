import { randomUUID } from 'node:crypto';
import { type Database, isoTimeSql } from '@ates/db';
import { type EventBus, type EventName, latestVersion } from '@ates/db/bus';
import {
  assertDeliverableUrl,
  newSigningSecret,
  queueDeliveries,
  subscribedEndpoint,
  WebhookAddressError,
  type WebhookSettings,
} from '@ates/db/webhooks';
import { type SQL, sql } from 'drizzle-orm';
import { badRequest, conflict, notFound } from '../http/problem.ts';

/** How long the previous secret still signs after a rotation. */
const SECRET_OVERLAP = sql`interval '24 hours'`;

const endpointColumns = sql`e.id, e.url, e.description, e.events, e.status,
  ${isoTimeSql('e.failing_since')} as "failingSince",
  case when e.previous_secret_expires_at > now() then ${isoTimeSql('e.previous_secret_expires_at')} end
    as "previousSecretExpiresAt",
  ${isoTimeSql('e.created_at')} as "createdAt"`;

export type Endpoint = {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  status: 'enabled' | 'disabled' | 'failing';
  failingSince: string | null;
  previousSecretExpiresAt: string | null;
  createdAt: string;
};

export interface WebhookDeps {
  db: Database;
  bus: EventBus;
  settings: WebhookSettings;
}

export async function createEndpoint(
  { db, settings }: WebhookDeps,
  createdBy: string,
  input: { url: string; events: string[]; description?: string | undefined },
): Promise<Endpoint & { secret: string }> {
  const url = await deliverableUrl(input.url, settings);
  const secret = newSigningSecret();
  const [endpoint] = await db.execute<Endpoint>(sql`
    with e as (
      insert into webhooks.endpoints (url, description, events, secret, created_by)
      values (${url}, ${input.description ?? null}, ${`{${[...new Set(input.events)].join(',')}}`}::text[],
        ${secret}, ${createdBy})
      returning *)
    select ${endpointColumns} from e`);
  return { ...(endpoint as Endpoint), secret };
}

async function deliverableUrl(raw: string, settings: WebhookSettings): Promise<string> {
  try {
    return (await assertDeliverableUrl(raw, settings.allowHosts)).toString();
  } catch (error) {
    if (error instanceof WebhookAddressError) throw badRequest(error.message);
    throw error;
  }
}

export async function listEndpoints(db: Database): Promise<Endpoint[]> {
  return [
    ...(await db.execute<Endpoint>(
      sql`select ${endpointColumns} from webhooks.endpoints e order by e.created_at, e.id`,
    )),
  ];
}

export async function getEndpoint(db: Database, id: string): Promise<Endpoint> {
  const [endpoint] = await db.execute<Endpoint>(
    sql`select ${endpointColumns} from webhooks.endpoints e where e.id = ${id}`,
  );
  if (!endpoint) throw notFound(`No webhook endpoint ${id}.`);
  return endpoint;
}

/** Enabling also forgets a run of failures, so a `failing` endpoint gets the whole window again. */
export async function setEnabled(db: Database, id: string, enabled: boolean): Promise<Endpoint> {
  const change = enabled ? sql`status = 'enabled', failing_since = null` : sql`status = 'disabled'`;
  return updated(db, id, change);
}

/** A new secret, shown once; the previous one keeps signing for 24 hours beside it. */
export async function rotateSecret(db: Database, id: string): Promise<Endpoint & { secret: string }> {
  const secret = newSigningSecret();
  const endpoint = await updated(
    db,
    id,
    sql`previous_secret = secret, previous_secret_expires_at = now() + ${SECRET_OVERLAP}, secret = ${secret}`,
  );
  return { ...endpoint, secret };
}

async function updated(db: Database, id: string, change: SQL): Promise<Endpoint> {
  const [endpoint] = await db.execute<Endpoint>(sql`
    with e as (update webhooks.endpoints set ${change} where id = ${id} returning *)
    select ${endpointColumns} from e`);
  if (!endpoint) throw notFound(`No webhook endpoint ${id}.`);
  return endpoint;
}

/** Removes the endpoint with its deliveries and their attempts. */
export async function removeEndpoint(db: Database, id: string): Promise<void> {
  const removed = await db.execute(sql`delete from webhooks.endpoints where id = ${id} returning id`);
  if (removed.length === 0) throw notFound(`No webhook endpoint ${id}.`);
}

async function enabledEndpoint(db: Database, id: string): Promise<Endpoint> {
  const endpoint = await getEndpoint(db, id);
  if (endpoint.status !== 'enabled') throw conflict(`The endpoint is ${endpoint.status}: enable it first.`);
  return endpoint;
}

/**
 * Queues every event the log holds since `from` that the endpoint subscribes to, at its current
 * version, oldest first, a few batches of the log at a time; returns how many.
 */
export async function replay({ db, bus, settings }: WebhookDeps, id: string, from: string): Promise<number> {
  const endpoint = await enabledEndpoint(db, id);
  const reads = Object.fromEntries(endpoint.events.map((name) => [name, latestVersion(name)])) as Partial<
    Record<EventName, number>
  >;
  let queued = 0;
  let afterPosition: number | undefined;
  for (;;) {
    const page = await bus.readLog(reads, { since: new Date(from).toISOString(), afterPosition, batchesPerPage: 20 });
    queued += await queueDeliveries(db, 'replay', page.events, subscribedEndpoint(id), settings.retryForMs);
    if (page.nextPosition === undefined) return queued;
    afterPosition = page.nextPosition;
  }
}

/** Queues a `webhook.ping` message, shaped like an event, to the endpoint whatever it subscribes to. */
export async function ping({ db, settings }: WebhookDeps, id: string): Promise<Delivery> {
  await enabledEndpoint(db, id);
  const eventId = randomUUID();
  const message = {
    event_id: eventId,
    event_name: 'webhook.ping',
    event_version: 1,
    event_time: new Date().toISOString(),
    producer: 'webhooks',
    data: { endpoint_id: id },
  };
  await queueDeliveries(db, 'ping', [message], sql`e.id = ${id}`, settings.retryForMs);
  const [delivery] = await deliveries(db, sql`d.endpoint_id = ${id} and d.event_id = ${eventId}`, 1);
  return delivery as Delivery;
}

export type Delivery = {
  id: string;
  endpointId: string;
  eventId: string;
  eventName: string;
  reason: 'event' | 'ping' | 'replay';
  status: 'pending' | 'delivered' | 'dead';
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
  attempts: { attemptedAt: string; statusCode: number | null; latencyMs: number; answer: string }[];
};

function deliveries(db: Database, where: SQL, limit: number): Promise<Delivery[]> {
  return db.execute<Delivery>(sql`
    select d.id, d.endpoint_id as "endpointId", d.event_id as "eventId", d.event_name as "eventName", d.reason,
      d.status, case when d.status = 'pending' then ${isoTimeSql('d.next_attempt_at')} end as "nextAttemptAt",
      ${isoTimeSql('d.created_at')} as "createdAt", ${isoTimeSql('d.delivered_at')} as "deliveredAt",
      coalesce((select json_agg(json_build_object('attemptedAt', ${isoTimeSql('a.attempted_at')},
          'statusCode', a.status_code, 'latencyMs', a.latency_ms, 'answer', a.answer) order by a.attempted_at, a.id)
        from webhooks.attempts a where a.delivery_id = d.id), '[]') as attempts
    from webhooks.deliveries d where ${where}
    order by d.created_at desc, d.id desc limit ${limit}`);
}

/** An endpoint's deliveries, newest first, a page at a time. */
export async function listDeliveries(
  db: Database,
  endpointId: string,
  query: { failed?: 'true' | 'false' | undefined; limit: number; cursor?: string | undefined },
): Promise<{ items: Delivery[]; nextCursor: string | null }> {
  await getEndpoint(db, endpointId);
  const conditions = [sql`d.endpoint_id = ${endpointId}`];
  if (query.failed === 'true') conditions.push(sql`d.status <> 'delivered' and d.attempts > 0`);
  if (query.cursor) {
    conditions.push(
      sql`(d.created_at, d.id) < (select created_at, id from webhooks.deliveries where id = ${query.cursor})`,
    );
  }
  const items = await deliveries(db, sql.join(conditions, sql` and `), query.limit + 1);
  const page = items.slice(0, query.limit);
  return { items: page, nextCursor: items.length > query.limit ? (page.at(-1)?.id ?? null) : null };
}

export async function getDelivery(db: Database, id: string): Promise<Delivery> {
  const [delivery] = await deliveries(db, sql`d.id = ${id}`, 1);
  if (!delivery) throw notFound(`No webhook delivery ${id}.`);
  return delivery;
}

/** Sends a delivery again now, with a fresh retry window, whatever became of it. */
export async function redeliver({ db, settings }: WebhookDeps, id: string): Promise<Delivery> {
  const [row] = await db.execute<{ status: string }>(sql`
    select e.status from webhooks.deliveries d join webhooks.endpoints e on e.id = d.endpoint_id where d.id = ${id}`);
  if (!row) throw notFound(`No webhook delivery ${id}.`);
  if (row.status !== 'enabled') throw conflict(`Its endpoint is ${row.status}: enable it first.`);
  await db.execute(sql`
    update webhooks.deliveries set status = 'pending', next_attempt_at = now(), delivered_at = null,
      retry_until = now() + ${settings.retryForMs} * interval '1 millisecond'
    where id = ${id}`);
  return getDelivery(db, id);
}
