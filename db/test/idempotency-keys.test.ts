import { randomUUID } from 'node:crypto';
import { connectPostgres } from '@ates/db';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  claimKey,
  type IdempotencyClaim,
  type KeyRequest,
  keepAnswer,
  purgeExpiredKeys,
  releaseKey,
} from '../src/http/idempotency-keys.ts';
import { createTestDatabase } from '../src/testing.ts';

let conn: ReturnType<typeof connectPostgres>;

beforeAll(async () => {
  conn = connectPostgres(await createTestDatabase(inject('postgresUrl')));
});

afterAll(async () => {
  await conn.close();
});

const request = (overrides: Partial<KeyRequest> = {}): KeyRequest => ({
  employeeId: 'e1',
  key: randomUUID(),
  requestHash: 'hash-a',
  leaseSeconds: 30,
  ...overrides,
});

async function claimed(asked: KeyRequest): Promise<IdempotencyClaim> {
  const state = await claimKey(conn.db, asked);
  if (state.kind !== 'claimed') throw new Error(`expected a claim, got ${state.kind}`);
  return state.claim;
}

const answer = { status: 201, headers: { 'content-type': 'application/json' }, body: '{"id":"1"}' };

/** Moves a key's row back in time, as if it had been written `interval` ago. */
const age = (asked: KeyRequest, interval: string) =>
  conn.db.execute(sql`
    update http.idempotency_keys set created_at = now() - ${interval}::interval, heartbeat_at = now() - ${interval}::interval
    where employee_id = ${asked.employeeId} and key = ${asked.key}`);

describe('the Idempotency-Key store', () => {
  it('gives a key to one of many requests racing for it, and tells the others it is in progress', async () => {
    const asked = request();
    const states = await Promise.all(Array.from({ length: 10 }, () => claimKey(conn.db, asked)));
    expect(states.filter((s) => s.kind === 'claimed')).toHaveLength(1);
    expect(states.filter((s) => s.kind === 'in progress')).toHaveLength(9);
  });

  it('replays the kept answer, and refuses the key to another request', async () => {
    const asked = request();
    await keepAnswer(conn.db, await claimed(asked), answer);
    expect(await claimKey(conn.db, asked)).toEqual({ kind: 'answered', answer });
    expect(await claimKey(conn.db, { ...asked, requestHash: 'hash-b' })).toEqual({ kind: 'other request' });
    expect((await claimKey(conn.db, { ...asked, employeeId: 'e2', requestHash: 'hash-b' })).kind).toBe('claimed');
  });

  it('frees a released key for the next request', async () => {
    const asked = request();
    await releaseKey(conn.db, await claimed(asked));
    expect((await claimKey(conn.db, { ...asked, requestHash: 'hash-b' })).kind).toBe('claimed');
  });

  it('lets a claim whose request stopped its heartbeat be taken over, by the same request only', async () => {
    const asked = request();
    const first = await claimed(asked);
    await age(asked, '1 minute');
    expect(await claimKey(conn.db, { ...asked, requestHash: 'hash-b' })).toEqual({ kind: 'other request' });
    const second = await claimed(asked);
    expect(second.owner).not.toBe(first.owner);
    await keepAnswer(conn.db, first, { ...answer, status: 500 });
    await keepAnswer(conn.db, second, answer);
    expect(await claimKey(conn.db, asked)).toEqual({ kind: 'answered', answer });
  });

  it('treats a key older than a day as unused, and purges only those', async () => {
    const old = request();
    const fresh = request();
    await keepAnswer(conn.db, await claimed(old), answer);
    await keepAnswer(conn.db, await claimed(fresh), answer);
    await age(old, '25 hours');
    expect((await claimKey(conn.db, { ...old, requestHash: 'hash-b' })).kind).toBe('claimed');
    await age(old, '25 hours');

    expect(await purgeExpiredKeys(conn.db)).toBeGreaterThanOrEqual(1);
    const [left] = await conn.db.execute<{ old: number; fresh: number }>(sql`
      select count(*) filter (where key = ${old.key})::int as old, count(*) filter (where key = ${fresh.key})::int as fresh
      from http.idempotency_keys`);
    expect(left).toEqual({ old: 0, fresh: 1 });
  });
});
