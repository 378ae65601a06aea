import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Executor } from '../postgres/client.ts';

/** How long an answer is kept for replay, and after which a key may be used afresh. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;

/** A request that claimed a key: it alone may answer for it. */
export interface IdempotencyClaim {
  employeeId: string;
  key: string;
  owner: string;
}

export interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What a request finds when it asks for a key. */
export type KeyState =
  | { kind: 'claimed'; claim: IdempotencyClaim }
  | { kind: 'answered'; answer: StoredAnswer }
  | { kind: 'other request' }
  | { kind: 'in progress' };

type KeyRow = {
  owner: string | null;
  request_hash: string;
  status: number | null;
  headers: Record<string, string> | null;
  body: string | null;
};

export interface KeyRequest {
  employeeId: string;
  key: string;
  requestHash: string;
  /** How long a claim lives without a heartbeat before another request may take it over. */
  leaseSeconds: number;
}

/**
 * Claims `key` for the caller's request, or says why not: a new key, one whose answer has
 * expired, or one whose request stopped sending heartbeats (its process died) is claimed;
 * otherwise the row that holds it says whether it was answered, is still running, or belongs to
 * another request. The upsert's row lock makes two racing requests take turns.
 */
export async function claimKey(db: Executor, request: KeyRequest): Promise<KeyState> {
  for (;;) {
    const state = await tryClaim(db, request);
    if (state) return state;
  }
}

/**
 * One statement. When the upsert loses a race to a row committed after the statement began, the
 * select of the same statement cannot see that row yet: it returns nothing, and the caller asks again.
 */
async function tryClaim(db: Executor, request: KeyRequest): Promise<KeyState | undefined> {
  const owner = randomUUID();
  const { employeeId, key, requestHash, leaseSeconds } = request;
  const [row] = await db.execute<KeyRow & { claimed: boolean }>(sql`
    with claim as (
      insert into http.idempotency_keys as k (employee_id, key, request_hash, owner)
      values (${employeeId}, ${key}, ${requestHash}, ${owner})
      on conflict (employee_id, key) do update
        set request_hash = excluded.request_hash, owner = excluded.owner, heartbeat_at = now(),
            status = null, headers = null, body = null, created_at = now()
        where k.created_at < now() - make_interval(hours => ${IDEMPOTENCY_KEY_TTL_HOURS})
           or (k.owner is not null and k.request_hash = excluded.request_hash
               and k.heartbeat_at < now() - make_interval(secs => ${leaseSeconds}))
      returning true as claimed
    )
    select true as claimed, null::uuid as owner, null as request_hash, null::smallint as status,
           null::jsonb as headers, null as body
    from claim
    union all
    select false, owner, request_hash, status, headers, body from http.idempotency_keys
    where employee_id = ${employeeId} and key = ${key} and not exists (select from claim)`);
  if (!row) return undefined;
  if (row.claimed) return { kind: 'claimed', claim: { employeeId, key, owner } };
  if (row.request_hash !== requestHash) return { kind: 'other request' };
  if (row.owner !== null || row.status === null) return { kind: 'in progress' };
  return { kind: 'answered', answer: { status: row.status, headers: row.headers ?? {}, body: row.body ?? '' } };
}

/** Keeps the answer for replay and lets the key go. */
export async function keepAnswer(db: Executor, claim: IdempotencyClaim, answer: StoredAnswer): Promise<void> {
  await db.execute(sql`
    update http.idempotency_keys
    set owner = null, status = ${answer.status}, headers = ${JSON.stringify(answer.headers)}::jsonb, body = ${answer.body}
    where employee_id = ${claim.employeeId} and key = ${claim.key} and owner = ${claim.owner}`);
}

/** Forgets the claim: the request had no answer worth keeping, and a retry runs afresh. */
export async function releaseKey(db: Executor, claim: IdempotencyClaim): Promise<void> {
  await db.execute(sql`
    delete from http.idempotency_keys
    where employee_id = ${claim.employeeId} and key = ${claim.key} and owner = ${claim.owner}`);
}

/** Says the claiming request is still running, so no one takes its key over. */
export async function touchClaim(db: Executor, claim: IdempotencyClaim): Promise<void> {
  await db.execute(sql`
    update http.idempotency_keys set heartbeat_at = now()
    where employee_id = ${claim.employeeId} and key = ${claim.key} and owner = ${claim.owner}`);
}

/** Deletes the keys older than their lifetime; returns how many. */
export async function purgeExpiredKeys(db: Executor): Promise<number> {
  const rows = await db.execute(sql`
    delete from http.idempotency_keys
    where created_at < now() - make_interval(hours => ${IDEMPOTENCY_KEY_TTL_HOURS})
    returning 1`);
  return rows.length;
}
