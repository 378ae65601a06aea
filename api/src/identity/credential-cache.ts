import { createHash } from 'node:crypto';
import { type Database, forgetOnNotify } from '@ates/db';
import type { Context } from 'hono';
import type { AppEnv, CurrentEmployee } from '../http/env.ts';

const CHANGED_CHANNEL = 'ates_identity_changed';
/** How long a verified credential is trusted without asking better-auth again. */
const TRUST_MS = 30_000;
const MAX_ENTRIES = 10_000;
/** Requests that may end a session, revoke a key, or change who someone is or may do. */
const CHANGES_IDENTITY = /^\/(api\/auth\/(?!sign-in\/)|v1\/employees|v1\/api-keys|v1\/me)/;

/**
 * Who a credential (API key, bearer token or session cookie) belongs to, remembered briefly:
 * asking better-auth costs about a millisecond of CPU and two queries, on every request.
 * Any change of identity (a sign-out, a revoked key, a deactivation, a new role) empties the
 * cache of every API process at once, told through Postgres NOTIFY; should a notification be
 * missed while the listening connection reconnects, an entry still lasts at most TRUST_MS.
 */
export class CredentialCache {
  private readonly entries = new Map<string, { employee: CurrentEmployee; until: number }>();
  private readonly db: Database;
  private listening: Promise<unknown> | undefined;

  constructor(db: Database) {
    this.db = db;
  }

  get(credential: string): CurrentEmployee | undefined {
    this.listening ??= forgetOnNotify(this.db, CHANGED_CHANNEL, () => this.entries.clear());
    const key = digest(credential);
    const entry = this.entries.get(key);
    if (entry && entry.until > Date.now()) return entry.employee;
    this.entries.delete(key);
    return undefined;
  }

  /** Remembers a verified credential, never past `expiresAt` (the session's or key's own end). */
  set(credential: string, employee: CurrentEmployee, expiresAt?: Date | string | null): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value ?? '');
    const ends = expiresAt ? new Date(expiresAt).getTime() : Number.POSITIVE_INFINITY;
    this.entries.set(digest(credential), { employee, until: Math.min(Date.now() + TRUST_MS, ends) });
  }

  /** After a successful request that may have changed an identity: every process forgets. */
  async afterRequest(c: Context<AppEnv>): Promise<void> {
    if (c.req.method === 'GET' || c.res.status >= 400 || !CHANGES_IDENTITY.test(c.req.path)) return;
    await this.forgetEverywhere(c.req.path);
  }

  async forgetEverywhere(reason: string): Promise<void> {
    this.entries.clear();
    await this.db.$client.notify(CHANGED_CHANNEL, reason);
  }
}

function digest(credential: string): string {
  return createHash('sha256').update(credential).digest('base64url');
}
