import { sql } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import type { Database } from '../postgres/client.ts';
import { deadLetterQueue, patientConsumers } from './topology.ts';

/** How a patient consumer retries a delivery that fails. */
export interface RetryPolicy {
  /** Seconds before the first retry; each wait is about twice the one before it (pg-boss adds up to as much again at random). */
  delaySeconds: number;
  /** The longest wait between two attempts. */
  maxDelaySeconds: number;
  /** How long a failing delivery keeps being retried, at least, before it is dead-lettered. */
  forSeconds: number;
}

/** How every process configures each consumer's queue (see `BusOptions`). */
export interface QueueSettings {
  retryLimit: number;
  retryDelaySeconds: number;
  patientRetry: RetryPolicy;
  heartbeatSeconds: number;
}

/**
 * How long pg-boss may keep a queued delivery or a dead letter: the most it takes (68 years). Its
 * retention deletes a job still queued when this runs out, and nothing may drop a delivery or a
 * dead letter but its consumer, a redrive or a discard.
 */
const KEEP_SECONDS = 2_147_483_647;

/** Makes sure a consumer's queue and its dead-letter queue exist, configured as `settings` say. */
export async function createQueues(
  db: Database,
  boss: PgBoss,
  consumer: string,
  settings: QueueSettings,
): Promise<void> {
  const dead = deadLetterQueue(consumer);
  await upsertQueue(boss, dead, { retentionSeconds: KEEP_SECONDS });
  // Dead letters from before they were kept for good still carry the 30 days they were given.
  await db.execute(sql`
    update pgboss.job set keep_until = created_on + ${KEEP_SECONDS} * interval '1 second'
    where name = ${dead} and state < 'active' and keep_until < created_on + ${KEEP_SECONDS} * interval '1 second'`);
  await upsertQueue(boss, consumer, {
    deadLetter: dead,
    notify: true,
    ...retriesOf(consumer, settings),
    retryBackoff: true,
    heartbeatSeconds: settings.heartbeatSeconds,
    retentionSeconds: KEEP_SECONDS,
    deleteAfterSeconds: 86_400,
  });
}

async function upsertQueue(boss: PgBoss, name: string, options: Parameters<PgBoss['createQueue']>[1]): Promise<void> {
  if (await boss.getQueue(name)) await boss.updateQueue(name, options);
  else await boss.createQueue(name, options);
}

/** pg-boss's retry settings for a consumer's queue: a patient one retries for `forSeconds`. */
function retriesOf(consumer: string, settings: QueueSettings) {
  if (!patientConsumers.has(consumer)) {
    return { retryLimit: settings.retryLimit, retryDelay: settings.retryDelaySeconds, retryDelayMax: 300 };
  }
  const policy = settings.patientRetry;
  return {
    retryLimit: retriesWithin(policy),
    retryDelay: policy.delaySeconds,
    retryDelayMax: policy.maxDelaySeconds,
  };
}

/**
 * How many retries `policy` makes before its waits add up to `forSeconds`, taking each wait at the
 * shortest pg-boss draws: min(max, delay × 2^n), the delay at least 1 s.
 */
export function retriesWithin(policy: RetryPolicy): number {
  let waited = 0;
  let retries = 0;
  while (waited < policy.forSeconds) {
    waited += Math.min(policy.maxDelaySeconds, Math.max(policy.delaySeconds, 1) * 2 ** (Math.min(16, retries + 1) - 1));
    retries++;
  }
  return retries;
}
