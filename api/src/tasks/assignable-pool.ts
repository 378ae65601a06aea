import { randomInt } from 'node:crypto';
import { type Database, forgetOnNotify } from '@ates/db';
import { EMPLOYEES_CHANGED_CHANNEL } from '@ates/db/schema/tasks';
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

  /** A uniformly random assignable employee, or undefined when there is none. */
  async draw(): Promise<Assignee | undefined> {
    this.listening ??= forgetOnNotify(this.db, EMPLOYEES_CHANGED_CHANNEL, () => this.forget());
    if (Date.now() - this.loadedAt > TRUST_MS) this.forget();
    if (!this.pool) {
      this.loadedAt = Date.now();
      this.pool = this.load();
      this.pool.catch(() => this.forget());
    }
    const pool = await this.pool;
    return pool[randomInt(Math.max(pool.length, 1))];
  }

  forget(): void {
    this.pool = undefined;
  }

  private async load(): Promise<Assignee[]> {
    return [
      ...(await this.db.execute<Assignee>(sql`
        select e.id, e.full_name as "fullName" from tasks.employee e where ${ASSIGNABLE} order by e.id`)),
    ];
  }
}
