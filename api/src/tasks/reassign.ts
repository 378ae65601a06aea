import { ADVISORY_LOCKS, isoTimeSql, observed } from '@ates/db';
import type { NewEvent } from '@ates/db/bus';
import { sql } from 'drizzle-orm';
import { conflict } from '../http/problem.ts';
import { ASSIGNABLE } from './assignable-pool.ts';
import type { ReassignResult } from './schemas.ts';
import {
  EVENT_COLUMNS,
  type EventRow,
  moneyData,
  NO_ASSIGNABLE,
  PRODUCER,
  type TaskDeps,
  taskData,
} from './task-rows.ts';

/** Open tasks moved per UPDATE of a reassign. */
const REASSIGN_CHUNK = 10_000;

/**
 * Gives every open task to a uniformly random assignable employee other than its creator and
 * publishes a Task.Updated and a TaskAssigned (charging the fee again) for each, all in one
 * transaction. A 409 when no open task can move. The tasks move in a few set-based UPDATEs over
 * ranges of ids, sent together: Postgres moves one range while the events of the range before are
 * built and checked here. Each UPDATE locks the tasks it moves and checks they are still open once
 * it holds the lock: a task completed first stays put; a complete that comes second waits, then
 * finds the task moved.
 */
export async function reassignOpenTasks({ db, bus }: TaskDeps): Promise<ReassignResult> {
  return db.transaction(async (tx) => {
    const [{ at } = { at: '' }] = await tx.execute<{ at: string }>(
      // No nested loops in this transaction: Postgres cannot tell how many uuids a range of ids
      // holds, and when it guesses one it pairs the drawn tasks with the pool in a nested loop,
      // 10,000 × 10,000 for one range. Hash and merge joins cost the same at any guess.
      sql`select pg_advisory_xact_lock(${ADVISORY_LOCKS.reassign}), set_config('enable_nestloop', 'off', true),
        ${isoTimeSql('now()')} as at`,
    );
    const starts = await tx.execute<{ id: string }>(sql`
      select id from (select id, row_number() over (order by id) as n from tasks.task where status = 'open') t
      where n % ${REASSIGN_CHUNK} = 1 order by id`);
    const moves = starts.map(({ id }, i) => observed(tx.execute<EventRow>(moveOpenTasks(id, starts[i + 1]?.id))));
    const publishes: Promise<unknown>[] = [];
    const employees = new Set<string>();
    let movedTasks = 0;
    try {
      for (const move of moves) {
        const rows = await move;
        movedTasks += rows.length;
        for (const row of rows) employees.add(row.assigneeId);
        const events = rows.flatMap((row): NewEvent[] => [
          { name: 'Task.Updated', data: taskData(row) },
          { name: 'TaskAssigned', data: moneyData(row, row.assignFeeCents, at) },
        ]);
        publishes.push(observed(bus.publish(tx, PRODUCER, events)));
      }
      await Promise.all(publishes);
    } catch (error) {
      await Promise.allSettled([...moves, ...publishes]);
      throw error;
    }
    if (movedTasks === 0) {
      // Nothing moved: either nobody is assignable, or every open task has only its creator left.
      const [stuck] = await tx.execute<{ stuck: boolean }>(sql`
        select not exists (select from tasks.employee e where ${ASSIGNABLE})
          or exists (select from tasks.task where status = 'open') as stuck`);
      if (stuck?.stuck) throw conflict(NO_ASSIGNABLE);
    }
    return { movedTasks, employees: employees.size };
  });
}

/**
 * Moves the open tasks with ids from `from` up to (not including) `to` to random assignable
 * employees other than their creators. A task whose creator is in the pool draws one of the other
 * n - 1 places and steps over the creator's: uniform over the others, with one random() per task.
 * A task that only its creator could take stays where it is.
 */
function moveOpenTasks(from: string, to: string | undefined) {
  // Said twice, in the draw and in the UPDATE: the planner does not carry it from the drawn ids to
  // the task table, and without it each range's UPDATE scanned every task, n²/10,000 rows in all.
  const inRange = sql`t.id >= ${from} ${to === undefined ? sql`` : sql`and t.id < ${to}`}`;
  // A scalar subquery, which Postgres counts once per UPDATE. Cross-joined as a CTE, it was counted
  // again for every task whenever the planner guessed a range held one task (it cannot tell how
  // many uuids a range holds): 10,000 counts of 10,000 employees for one range, 12 s at 1M tasks.
  const poolSize = sql`(select count(*) from pool)`;
  return sql`
    with pool as (
      select e.id, row_number() over (order by e.id) as n from tasks.employee e where ${ASSIGNABLE}
    ), drawn as (
      select t.id, creator.n as creator, floor(random() * (${poolSize} - (creator.n is not null)::int))::bigint + 1 as n
      from tasks.task t left join pool creator on creator.id = t.created_by
      where t.status = 'open' and ${poolSize} - (creator.n is not null)::int > 0 and ${inRange}
    ), picked as (
      select id, case when n >= creator then n + 1 else n end as n from drawn
    )
    update tasks.task t set assignee_id = pool.id
    from picked join pool on pool.n = picked.n
    where t.id = picked.id and t.status = 'open' and ${inRange}
    returning ${sql.raw(EVENT_COLUMNS)}`;
}
