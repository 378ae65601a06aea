import { createHash } from 'node:crypto';
import { type Database, forgetOnNotify } from '@ates/db';
import type { CurrentEmployee } from '../http/env.ts';

const CHANGED_CHANNEL = 'ates_identity_changed';
/** How long a verified credential is trusted without asking better-auth again. */
const TRUST_MS = 30_000;
const MAX_ENTRIES = 10_000;

/** The one credential a request presented, as it was presented. */
export interface Credential {
  kind: 'api-key' | 'bearer' | 'session-cookie';
  value: string;
}

/**
 * Who a verified credential belongs to, remembered briefly: asking better-auth costs about a
 * millisecond of CPU and two queries, on every request. A real change of identity (a session
 * ended, a key revoked, an employee deactivated or changed) empties the cache of every API
 * process, told through Postgres NOTIFY; should a notification be missed while the listening
 * connection reconnects, an entry still lasts at most TRUST_MS. Each emptying starts a new
 * generation, and a lookup stores its answer only in the generation it began in: an answer
 * read before a change can never outlive it.
 */
export class CredentialCache {
  private readonly entries = new Map<string, { employee: CurrentEmployee; until: number }>();
  private readonly db: Database;
  private listening: Promise<unknown> | undefined;
  private current = 0;

  constructor(db: Database) {
    this.db = db;
  }

  /** The generation a lookup begins in: hand it to `set`. */
  get generation(): number {
    this.listening ??= forgetOnNotify(this.db, CHANGED_CHANNEL, () => this.forget());
    return this.current;
  }

  get(credential: Credential): CurrentEmployee | undefined {
    const key = digest(credential);
    const entry = this.entries.get(key);
    if (entry && entry.until > Date.now()) return entry.employee;
    this.entries.delete(key);
    return undefined;
  }

  /**
   * Remembers a credential verified by a lookup that began in `generation`, unless the cache
   * was emptied since; never past `expiresAt` (the session's or key's own end).
   */
  set(credential: Credential, employee: CurrentEmployee, generation: number, expiresAt?: Date | null): void {
    if (generation !== this.current) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value ?? '');
    const ends = expiresAt ? expiresAt.getTime() : Number.POSITIVE_INFINITY;
    this.entries.set(digest(credential), { employee, until: Math.min(Date.now() + TRUST_MS, ends) });
  }

  /** Empties this process's cache: a new generation begins. */
  forget(): void {
    this.current++;
    this.entries.clear();
  }

  /** After an identity change has committed: this process and every other forget. */
  async forgetEverywhere(reason: string): Promise<void> {
    this.forget();
    await this.db.$client.notify(CHANGED_CHANNEL, reason);
  }
}

function digest({ kind, value }: Credential): string {
  return createHash('sha256').update(`${kind}:${value}`).digest('base64url');
}
