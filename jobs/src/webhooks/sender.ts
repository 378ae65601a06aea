import { type Database, logger } from '@ates/db';
import { Dispatcher } from '@ates/db/bus';
import type { WebhookMessage, WebhookSettings } from '@ates/db/webhooks';
import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { type Answer, webhookPoster } from './post.ts';

/** A claimed delivery with what it takes to send it. */
type Claimed = {
  id: string;
  endpoint_id: string;
  event_id: string;
  body: WebhookMessage;
  /** The number of the attempt about to be made, from 1. */
  attempt: number;
  retry_until: string;
  url: string;
  secrets: string[];
};

interface Outcome extends Answer {
  id: string;
  endpoint_id: string;
  attempted_at: string;
  delivered: boolean;
  /** When to try again; null for a delivered or dead-lettered one. */
  next_attempt_at: string | null;
}

/** Deliveries a process holds (claimed, in flight or waiting for a slot), over every endpoint. */
const MAX_HELD = 1_024;
/** A claimed delivery returns to the queue after this if its sender died before recording it. */
const LEASE_SECONDS = 120;
/** Outcomes are recorded together, at most this many per statement. */
const RECORD_BATCH = 500;

/** One endpoint's deliveries in this process: POSTs in flight, and claimed ones waiting for a slot. */
interface Lane {
  inFlight: number;
  waiting: Claimed[];
}

/**
 * Sends due deliveries: claims them with a lease (so any number of processes share the work and a
 * crashed one's come back), POSTs each on its own, and records each answer. Each endpoint has a
 * lane with its own cap of POSTs in flight and claims up to twice that ahead, so a slot that
 * comes free is filled at once, without waiting on a claim. An endpoint whose lane is full costs
 * a claim nothing: a slow or dead receiver holds only its own slots, never another endpoint's.
 */
export class WebhookSender {
  private readonly db: Database;
  private readonly settings: WebhookSettings;
  private readonly poster: ReturnType<typeof webhookPoster>;
  private readonly loop: Dispatcher;
  private readonly lanes = new Map<string, Lane>();
  private readonly sending = new Set<Promise<unknown>>();
  private outcomes: Outcome[] = [];
  private recording: Promise<void> | undefined;
  private readonly signers = new Map<string, Webhook>();

  constructor(db: Database, settings: WebhookSettings) {
    this.db = db;
    this.settings = settings;
    this.poster = webhookPoster(settings);
    this.loop = new Dispatcher(
      () =>
        this.claim().catch((error) => {
          logger.error({ err: error }, 'claiming webhook deliveries failed; retrying');
          return 0;
        }),
      1,
    );
  }

  start(): void {
    this.loop.start();
  }

  /** New deliveries are about to commit, or a lane has room: look again soon. */
  poke(): void {
    this.loop.poke();
  }

  /** Stops claiming, lets the POSTs in flight finish and hands back what was claimed but not sent. */
  async stop(): Promise<void> {
    await this.loop.stop();
    const unsent = [...this.lanes.values()].flatMap((lane) => lane.waiting.splice(0).map((d) => d.id));
    await Promise.allSettled([...this.sending]);
    await this.recording;
    await this.record();
    if (unsent.length > 0) {
      await this.db.execute(sql`update webhooks.deliveries set leased_until = null
        where id = any(${`{${unsent.join(',')}}`}::uuid[])`);
    }
    this.poster.close();
  }

  /** Claims what is due for endpoints whose lane has room and starts sending it; says how many. */
  private async claim(): Promise<number> {
    const lanes = [...this.lanes].map(([endpoint_id, lane]) => ({
      endpoint_id,
      held: lane.inFlight + lane.waiting.length,
    }));
    const free = MAX_HELD - lanes.reduce((sum, lane) => sum + lane.held, 0);
    if (free <= 0) return 0;
    const claimed = await this.db.execute<Claimed>(sql`
      with chosen as (
        select d.id from webhooks.endpoints e
        left join jsonb_to_recordset(${JSON.stringify(lanes)}::jsonb) as l(endpoint_id uuid, held int)
          on l.endpoint_id = e.id
        cross join lateral (
          select d.id from webhooks.deliveries d
          where d.endpoint_id = e.id and d.status = 'pending' and d.next_attempt_at <= now()
            and (d.leased_until is null or d.leased_until < now())
          order by d.next_attempt_at
          limit greatest(0, ${2 * this.settings.concurrency} - coalesce(l.held, 0))
          for update of d skip locked) d
        where e.status = 'enabled'
        limit ${free})
      update webhooks.deliveries d set leased_until = now() + ${LEASE_SECONDS} * interval '1 second'
      from chosen, webhooks.endpoints e
      where d.id = chosen.id and e.id = d.endpoint_id
      returning d.id, d.endpoint_id, d.event_id, d.body, d.attempts + 1 as attempt,
        to_char(d.retry_until at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as retry_until, e.url,
        array_remove(array[e.secret,
          case when e.previous_secret_expires_at > now() then e.previous_secret end], null) as secrets`);
    for (const delivery of claimed) {
      const lane = this.lanes.get(delivery.endpoint_id) ?? { inFlight: 0, waiting: [] };
      this.lanes.set(delivery.endpoint_id, lane);
      lane.waiting.push(delivery);
    }
    for (const endpointId of new Set(claimed.map((d) => d.endpoint_id))) this.drain(endpointId);
    return claimed.length;
  }

  /** Starts the lane's waiting deliveries while it has free slots; forgets an idle lane. */
  private drain(endpointId: string): void {
    const lane = this.lanes.get(endpointId);
    if (!lane) return;
    while (lane.inFlight < this.settings.concurrency && lane.waiting.length > 0) {
      this.track(lane, lane.waiting.shift() as Claimed);
    }
    if (lane.inFlight === 0 && lane.waiting.length === 0) this.lanes.delete(endpointId);
  }

  private track(lane: Lane, delivery: Claimed): void {
    lane.inFlight++;
    const sent = this.send(delivery)
      .then((outcome) => {
        this.outcomes.push(outcome);
      })
      .catch((error) => logger.error({ err: error, delivery: delivery.id }, 'a webhook delivery failed to run'))
      .finally(() => {
        lane.inFlight--;
        this.sending.delete(sent);
        this.drain(delivery.endpoint_id);
        this.scheduleRecord();
        this.poke();
      });
    this.sending.add(sent);
  }

  private async send(delivery: Claimed): Promise<Outcome> {
    const body = JSON.stringify(delivery.body);
    const now = new Date();
    const signature = delivery.secrets
      .map((secret) => this.signer(secret).sign(delivery.event_id, now, body))
      .join(' ');
    const answer = await this.poster.post(
      new URL(delivery.url),
      {
        'webhook-id': delivery.event_id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signature,
        'user-agent': 'aTES-Webhooks/1.0',
      },
      body,
    );
    const delivered = answer.statusCode !== null && answer.statusCode >= 200 && answer.statusCode < 300;
    // The last retry falls on `retry_until` itself, so a receiver failing all along has failed for the
    // whole window when its delivery is dead-lettered, and its endpoint is disabled with it.
    const retryUntil = Date.parse(delivery.retry_until);
    const retryAt = Math.min(Date.now() + this.backoff(delivery.attempt), retryUntil);
    return {
      ...answer,
      id: delivery.id,
      endpoint_id: delivery.endpoint_id,
      attempted_at: now.toISOString(),
      delivered,
      next_attempt_at: delivered || Date.now() >= retryUntil ? null : new Date(retryAt).toISOString(),
    };
  }

  private signer(secret: string): Webhook {
    let signer = this.signers.get(secret);
    if (!signer) {
      if (this.signers.size >= 1_000) this.signers.clear();
      signer = new Webhook(secret);
      this.signers.set(secret, signer);
    }
    return signer;
  }

  /** Exponential, capped, with jitter: between half and all of base × 2^(attempts − 1). */
  private backoff(attempts: number): number {
    const { retryBaseMs, retryMaxDelayMs } = this.settings;
    const delay = Math.min(retryMaxDelayMs, retryBaseMs * 2 ** Math.min(attempts - 1, 40));
    return delay / 2 + Math.random() * (delay / 2);
  }

  private scheduleRecord(): void {
    if (this.recording) return;
    this.recording = this.record().finally(() => {
      this.recording = undefined;
      if (this.outcomes.length > 0) this.scheduleRecord();
    });
  }

  /** Writes the outcomes gathered so far: attempts, delivery states, endpoint health. */
  private async record(): Promise<void> {
    while (this.outcomes.length > 0) {
      const batch = this.outcomes.splice(0, RECORD_BATCH);
      try {
        await recordOutcomes(this.db, batch);
      } catch (error) {
        logger.error({ err: error, count: batch.length }, 'recording webhook attempts failed; they will be sent again');
      }
    }
  }
}

/**
 * One statement for a batch of answers; those of deliveries removed meanwhile (with their
 * endpoint) are dropped. An endpoint's `failing_since` is when its current run of
 * failures began; any success ends it. A delivery dead-lettered with no success anywhere on its
 * endpoint since its own first attempt means the endpoint failed for the whole retry window: it
 * is disabled (`failing`).
 */
async function recordOutcomes(db: Database, outcomes: Outcome[]): Promise<void> {
  await db.execute(sql`
    with r as (
      select * from jsonb_to_recordset(${JSON.stringify(outcomes)}::jsonb) as r(id uuid, endpoint_id uuid,
        attempted_at timestamptz, "statusCode" int, "latencyMs" int, answer text, delivered boolean,
        next_attempt_at timestamptz)),
    attempted as (
      insert into webhooks.attempts (delivery_id, attempted_at, status_code, latency_ms, answer)
      select r.id, r.attempted_at, r."statusCode", r."latencyMs", r.answer
      from r join webhooks.deliveries d on d.id = r.id),
    updated as (
      update webhooks.deliveries d set
        status = case when r.delivered then 'delivered' when r.next_attempt_at is null then 'dead' else 'pending' end,
        attempts = d.attempts + 1,
        next_attempt_at = coalesce(r.next_attempt_at, d.next_attempt_at),
        delivered_at = case when r.delivered then r.attempted_at end,
        leased_until = null
      from r where d.id = r.id),
    health as (
      select r.endpoint_id, bool_or(r.delivered) as recovered, min(r.attempted_at) as first_failure,
        min(case when not r.delivered and r.next_attempt_at is null then coalesce(
          (select min(a.attempted_at) from webhooks.attempts a where a.delivery_id = r.id), r.attempted_at) end)
          as dead_since
      from r group by r.endpoint_id)
    update webhooks.endpoints e set
      failing_since = case when h.recovered then null else coalesce(e.failing_since, h.first_failure) end,
      status = case
        when e.status = 'enabled' and not h.recovered and coalesce(e.failing_since, h.first_failure) <= h.dead_since
        then 'failing' else e.status end
    from health h where e.id = h.endpoint_id`);
}
