import type { Database } from '@ates/db';
import { type SQL, sql } from 'drizzle-orm';
import { ApiError, tooManyRequests } from '../http/problem.ts';

interface Budget {
  /** Failed attempts allowed before any delay. */
  free: number;
  /** The delay after the first failure beyond the free ones; it doubles with each further one. */
  firstDelaySeconds: number;
  /** The longest delay between two attempts: a delay, never a lockout. */
  maxDelaySeconds: number;
}

/**
 * Per account, across every address: five free failures, then a delay that doubles with each
 * further one (15 s, 30 s, 1 min … at most 15 min). A success clears the account's count.
 */
export const ACCOUNT_BUDGET: Budget = { free: 5, firstDelaySeconds: 15, maxDelaySeconds: 900 };
/** Per client address, across every account: twenty free failures, then the same doubling delay. */
export const ADDRESS_BUDGET: Budget = { free: 20, firstDelaySeconds: 15, maxDelaySeconds: 900 };
/** Failures older than this are forgotten. */
const QUIET_PERIOD = sql`interval '1 hour'`;

/**
 * The sign-in budgets. The account's is charged before the password is checked, in one atomic
 * upsert, so parallel guesses at one account cannot share a slot; an attempt that did not fail
 * (a success, a deactivated employee's 403) is refunded, and a success clears the count. The
 * address's only counts failures, once they happen, so a whole office signing in at nine is
 * never refused; a burst of guesses from one address is then delayed as a whole. Whatever the
 * password, an attempt inside either delay is a 429 with Retry-After.
 */
export function signInLimit(db: Database) {
  return {
    async attempt<T>(email: string, address: string | undefined, check: () => Promise<T>): Promise<T> {
      const account = `account:${email.trim().toLowerCase()}`;
      const from = address === undefined ? undefined : `address:${address}`;
      if (from !== undefined) await assertNoDelay(db, from, ADDRESS_BUDGET);
      await charge(db, account, ACCOUNT_BUDGET);
      try {
        const result = await check();
        await db.execute(sql`delete from identity.sign_in_failure where key = ${account}`);
        return result;
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 401)) await refund(db, account);
        else if (from !== undefined) await recordFailure(db, from);
        throw error;
      }
    },
  };
}

const delay = ({ free, firstDelaySeconds, maxDelaySeconds }: Budget, failures: SQL) =>
  sql`make_interval(secs => case when ${failures} < ${free} then 0
    else least(${firstDelaySeconds} * power(2, ${failures} - ${free}), ${maxDelaySeconds}) end)`;

const tooMany = (waitSeconds: number | undefined) =>
  tooManyRequests('Too many failed sign-ins: wait before trying again.', Math.max(1, waitSeconds ?? 1));

/** Counts a failure in advance, or answers 429 while the budget's delay runs. */
async function charge(db: Database, key: string, budget: Budget): Promise<void> {
  const [row] = await db.execute<{ failures: number; allowed: boolean; wait: number }>(sql`
    insert into identity.sign_in_failure as f (key, failures, last_attempt_at) values (${key}, 1, now())
    on conflict (key) do update set
      failures = case
        when f.last_attempt_at < now() - ${QUIET_PERIOD} then 1
        when f.last_attempt_at + ${delay(budget, sql`f.failures`)} <= now() then f.failures + 1
        else f.failures end,
      last_attempt_at = case
        when f.last_attempt_at < now() - ${QUIET_PERIOD} or f.last_attempt_at + ${delay(budget, sql`f.failures`)} <= now()
        then now() else f.last_attempt_at end
    returning failures, last_attempt_at = now() as allowed,
      ceil(extract(epoch from last_attempt_at + ${delay(budget, sql`failures`)} - now()))::int as wait`);
  if (row?.failures === 1) await forgetQuietFailures(db);
  if (!row?.allowed) throw tooMany(row?.wait);
}

/** Answers 429 while the budget's delay runs, counting nothing. */
async function assertNoDelay(db: Database, key: string, budget: Budget): Promise<void> {
  const [row] = await db.execute<{ wait: number }>(sql`
    select ceil(extract(epoch from last_attempt_at + ${delay(budget, sql`failures`)} - now()))::int as wait
    from identity.sign_in_failure where key = ${key} and last_attempt_at >= now() - ${QUIET_PERIOD}`);
  if (row && row.wait > 0) throw tooMany(row.wait);
}

/** Counts a failure that has happened. */
async function recordFailure(db: Database, key: string): Promise<void> {
  await db.execute(sql`
    insert into identity.sign_in_failure as f (key, failures, last_attempt_at) values (${key}, 1, now())
    on conflict (key) do update set
      failures = case when f.last_attempt_at < now() - ${QUIET_PERIOD} then 1 else f.failures + 1 end,
      last_attempt_at = now()`);
}

/** Takes back the failure counted in advance: the attempt did not fail. */
async function refund(db: Database, key: string): Promise<void> {
  await db.execute(sql`update identity.sign_in_failure set failures = greatest(failures - 1, 0) where key = ${key}`);
}

async function forgetQuietFailures(db: Database): Promise<void> {
  await db.execute(sql`delete from identity.sign_in_failure where last_attempt_at < now() - ${QUIET_PERIOD}`);
}
