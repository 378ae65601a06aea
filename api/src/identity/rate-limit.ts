import type { Database } from '@ates/db';
import type { BetterAuthOptions } from 'better-auth';
import { sql } from 'drizzle-orm';

type RateLimitStorage = NonNullable<NonNullable<BetterAuthOptions['rateLimit']>['customStorage']>;

/**
 * better-auth's rate-limit storage in Postgres: one atomic upsert per request, so every API
 * process shares the counters and concurrent requests cannot slip past the limit.
 */
export function rateLimitStorage(db: Database): RateLimitStorage {
  return {
    async consume(key, { window, max }) {
      const windowLength = sql`make_interval(secs => ${window})`;
      const [row] = await db.execute<{ count: number; retry_after: number }>(sql`
        insert into identity.rate_limit as r (key, count, window_start) values (${key}, 1, now())
        on conflict (key) do update set
          count = case when r.window_start <= now() - ${windowLength} then 1 else r.count + 1 end,
          window_start = case when r.window_start <= now() - ${windowLength} then now() else r.window_start end
        returning count, greatest(1, ceil(extract(epoch from r.window_start + ${windowLength} - now())))::int as retry_after`);
      if (row?.count === 1)
        await db.execute(sql`delete from identity.rate_limit where window_start < now() - interval '1 day'`);
      const allowed = (row?.count ?? 0) <= max;
      return { allowed, retryAfter: allowed ? null : (row?.retry_after ?? window) };
    },
  };
}
