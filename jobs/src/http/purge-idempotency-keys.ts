import { logger } from '@ates/db';
import { purgeExpiredKeys } from '@ates/db/http';
import type { JobsDeps } from '../deps.ts';

export const PURGE_IDEMPOTENCY_KEYS_QUEUE = 'http.purge-idempotency-keys';
const HOURLY = '17 * * * *';

/**
 * Deletes the kept answers of Idempotency-Keys older than a day, once an hour, off the request
 * path: a request already treats such a key as unused, so the purge only bounds the table.
 */
export async function schedulePurgeOfIdempotencyKeys({ db, bus }: JobsDeps): Promise<void> {
  const { boss } = bus;
  if (!(await boss.getQueue(PURGE_IDEMPOTENCY_KEYS_QUEUE))) {
    await boss.createQueue(PURGE_IDEMPOTENCY_KEYS_QUEUE, { retryLimit: 3, retryDelay: 60 });
  }
  await boss.schedule(PURGE_IDEMPOTENCY_KEYS_QUEUE, HOURLY, null, { tz: 'UTC' });
  await boss.work(PURGE_IDEMPOTENCY_KEYS_QUEUE, async () => {
    const purged = await purgeExpiredKeys(db);
    if (purged > 0) logger.info({ purged }, 'purged expired idempotency keys');
  });
}
