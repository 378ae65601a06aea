import { randomInt } from 'node:crypto';
import { type Database, forgetOnNotify } from '@ates/db';
import { EMPLOYEES_CHANGED_CHANNEL } from '@ates/db/schema';
import { sql } from 'drizzle-orm';

export type Assignee = { id: string; fullName: string };

/** Who may be given a task, over `tasks.employee e`: every active employee who is neither an admin nor a manager. */
export const ASSIGNABLE = sql.raw(`e.active and e.role not in ('admin', 'manager')`);

/** How long a pool is used when no change notification arrives (a reconnecting listener may miss one). */
const TRUST_MS = 30_000;

/**
 * The assignable employees, kept in memory so that drawing a task's assignee costs no query. The
 * pool is dropped whenever the tasks context's employees change (the consumer notifies on commit)
 * and when a draw proves stale at the insert, which checks the assignee is still assignable.
 */
export class AssignablePool {
  private pool: Promise<Assignee[]> | undefined;
  private loadedAt = 0;
  private listening: Promise<unknown> | undefined;
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /**
   * A uniformly random assignable employee other than `excluded` (a task's creator), or undefined
   * when there is none: one draw over the others, never a redraw on hitting the excluded one.
   */
  async draw(excluded: string): Promise<Assignee | undefined> {
    this.listening ??= forgetOnNotify(this.db, EMPLOYEES_CHANGED_CHANNEL, () => this.forget());
    if (Date.now() - this.loadedAt > TRUST_MS) this.forget();
    if (!this.pool) {
      this.loadedAt = Date.now();
      this.pool = this.load();
      this.pool.catch(() => this.forget());
    }
    const pool = await this.pool;
    const skipped = binarySearch(pool, excluded);
    const others = pool.length - (skipped === undefined ? 0 : 1);
    if (others === 0) return undefined;
    const drawn = randomInt(others);
    return pool[skipped !== undefined && drawn >= skipped ? drawn + 1 : drawn];
  }

  forget(): void {
    this.pool = undefined;
  }

  private async load(): Promise<Assignee[]> {
    const rows = [
      ...(await this.db.execute<Assignee>(sql`
        select e.id, e.full_name as "fullName" from tasks.employee e where ${ASSIGNABLE}`)),
    ];
    return rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

/** The index of the employee `id` in `pool` (sorted by id, in JS's order), or undefined. */
function binarySearch(pool: Assignee[], id: string): number | undefined {
  let low = 0;
  let high = pool.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const candidate = pool[middle]?.id ?? '';
    if (candidate === id) return middle;
    if (candidate < id) low = middle + 1;
    else high = middle - 1;
  }
  return undefined;
}
