import { AsyncLocalStorage } from 'node:async_hooks';
import type { Database } from '@ates/db';
import type { BetterAuthOptions } from 'better-auth';
import { sql } from 'drizzle-orm';

type RateLimitStorage = NonNullable<NonNullable<BetterAuthOptions['rateLimit']>['customStorage']>;

const signInAccount = new AsyncLocalStorage<string>();

/**
 * Counts a sign-in attempt against the account it names as well as the client address, so a
 * whole office behind one address can sign in at nine o'clock while guessing one popug's
 * password from anywhere still hits the limit.
 */
export function asSignInAttempt<T>(email: string, attempt: () => Promise<T>): Promise<T> {
  return signInAccount.run(email.trim().toLowerCase(), attempt);
}

/**
 * better-auth's rate-limit storage in Postgres: one atomic upsert per request, so every API
 * process shares the counters and concurrent requests cannot slip past the limit.
 */
export function rateLimitStorage(db: Database): RateLimitStorage {
  return {
    async consume(key, { window, max }) {
      const account = signInAccount.getStore();
      const bucket = account === undefined ? key : `${key}|${account}`;
      const windowLength = sql`make_interval(secs => ${window})`;
      const [row] = await db.execute<{ count: number; retry_after: number }>(sql`
        insert into identity.rate_limit as r (key, count, window_start) values (${bucket}, 1, now())
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
