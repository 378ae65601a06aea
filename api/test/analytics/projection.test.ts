import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { connectPostgres, type PostgresConnection } from '@ates/db';
import { type AnalyticsStore, rebuildReadSide } from '@ates/db/analytics';
import { EventBus, eventsNamed, type NewEvent, PROJECTION_CONSUMER } from '@ates/db/bus';
import { createTestDatabase } from '@ates/db/testing';
import { startAnalyticsWorkers } from '@ates/jobs/analytics';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { ENGINES, openTestStore } from '../../../test/support/analytics-engines.ts';
import { earningsByDay, topTasks } from '../../src/analytics/reports.ts';

const DAY = '2026-11-24';

const ledgerEvent = (
  name: 'AccountDebited' | 'AccountCredited' | 'PayoutMade',
  employee: string,
  amount: number,
  task: string | null,
): NewEvent =>
  ({
    name,
    data: {
      transaction_id: randomUUID(),
      task_id: task,
      employee_id: employee,
      amount,
      at: '2026-11-24T10:00:00.250Z',
      business_day: DAY,
    },
  }) as NewEvent;

describe.each(ENGINES)('the analytics projection on %s', (engine) => {
  let conn: PostgresConnection;
  let bus: EventBus;
  let store: AnalyticsStore;
  let closeStore: () => Promise<void>;

  const publish = (events: NewEvent[]) => conn.db.transaction((tx) => bus.publish(tx, 'test', events));

  const settle = () => bus.settle([PROJECTION_CONSUMER]);

  beforeAll(async () => {
    ({ store, close: closeStore } = await openTestStore(engine));
    const url = await createTestDatabase(inject('postgresUrl'));
    conn = connectPostgres(url);
    bus = new EventBus(url, conn.db, { retryLimit: 3, retryDelaySeconds: 1 });
    await bus.start();
    await startAnalyticsWorkers({ db: conn.db, bus, analytics: store, home: tmpdir() });
  });

  afterAll(async () => {
    await bus?.stop();
    await conn?.close();
    await closeStore?.();
  });

  it('writes each kind of event to its table, legacy task titles split', async () => {
    const employee = randomUUID();
    const task = randomUUID();
    const published = await publish([
      {
        name: 'Employee.Created',
        data: { employee_id: employee, full_name: 'Kesha Popug', role: 'worker', email: 'kesha@popug.inc' },
      },
      {
        name: 'Task.Created',
        version: 1,
        data: {
          task_id: task,
          title: '[UP-42] - Fix the beak',
          description: null,
          status: 'open',
          fee: 1500,
          reward: 3200,
          assignee: employee,
          completed_at: null,
        },
      } as unknown as NewEvent,
      {
        name: 'TaskAssigned',
        data: { task_id: task, employee_id: employee, amount: 1500, at: '2026-11-24T09:00:00.000Z' },
      },
      {
        name: 'TaskCompleted',
        data: { task_id: task, employee_id: employee, amount: 3200, at: '2026-11-24T11:30:00.125Z' },
      },
      ledgerEvent('AccountDebited', employee, 1500, task),
      ledgerEvent('AccountCredited', employee, 3200, task),
      ledgerEvent('PayoutMade', employee, 1700, null),
    ]);
    await settle();
    expect(
      await store.query(
        'SELECT employee_id, full_name, email, role, deleted FROM employees WHERE employee_id = {id:String}',
        { id: employee },
      ),
    ).toEqual([
      { employee_id: employee, full_name: 'Kesha Popug', email: 'kesha@popug.inc', role: 'worker', deleted: 0 },
    ]);
    expect(
      await store.query('SELECT title, jira_id, description FROM tasks WHERE task_id = {id:String}', { id: task }),
    ).toEqual([{ title: 'Fix the beak', jira_id: 'UP-42', description: null }]);
    expect(
      await store.query(
        'SELECT employee_id, reward, completed_at_ms FROM task_completions WHERE task_id = {id:String}',
        { id: task },
      ),
    ).toEqual([{ employee_id: employee, reward: 3200, completed_at_ms: Date.parse('2026-11-24T11:30:00.125Z') }]);
    const entries = await store.query<{ event_id: string }>(
      `SELECT event_id, kind, transaction_id, task_id, amount, at_ms, business_day FROM ledger_entries
       WHERE employee_id = {id:String} ORDER BY kind`,
      { id: employee },
    );
    expect(entries).toEqual(
      eventsNamed(published, 'AccountDebited', 'AccountCredited', 'PayoutMade').map(
        ({ event_id, event_name, data }) => ({
          event_id,
          kind: { AccountDebited: 'debit', AccountCredited: 'credit', PayoutMade: 'payout' }[event_name],
          transaction_id: data.transaction_id,
          task_id: data.task_id,
          amount: data.amount,
          at_ms: Date.parse('2026-11-24T10:00:00.250Z'),
          business_day: DAY,
        }),
      ),
    );
  });

  it('counts a delivery once when Postgres fails to commit it after ClickHouse took it', async () => {
    // Fails the first projection commit from now on, after the handler wrote to the analytics store.
    await conn.sql.unsafe('create sequence analytics_crash');
    await atProjectionCommit(
      conn,
      'analytics_crash',
      `if nextval('analytics_crash') = 1 then
         raise exception 'the process died before the inbox committed';
       end if;`,
    );
    const employee = randomUUID();
    const task = randomUUID();
    const before = (await earningsByDay(store, { from: DAY, to: DAY }))[0];
    // A merge would drop the copies sooner or later; the reports must not wait for it.
    await store.command('SYSTEM STOP MERGES ledger_entries');
    onTestFinished(() => store.command('SYSTEM START MERGES ledger_entries'));
    await publish([
      {
        name: 'TaskCompleted',
        data: { task_id: task, employee_id: employee, amount: 4000, at: '2026-11-24T12:00:00.000Z' },
      },
      ledgerEvent('AccountDebited', employee, 1100, task),
      ledgerEvent('AccountCredited', employee, 4000, task),
    ]);
    await settle();
    const [crashes] = await conn.sql`select last_value::int as n from analytics_crash`;
    expect(crashes?.n).toBeGreaterThan(1);
    const [copies] = await store.query<{ n: number }>(
      'SELECT count() AS n FROM ledger_entries WHERE employee_id = {id:String}',
      { id: employee },
    );
    expect(copies?.n).toBe(4);
    expect((await earningsByDay(store, { from: DAY, to: DAY }))[0]).toEqual({
      businessDay: DAY,
      feesCents: (before?.feesCents ?? 0) + 1100,
      rewardsCents: (before?.rewardsCents ?? 0) + 4000,
      managementEarningsCents: (before?.managementEarningsCents ?? 0) + 1100 - 4000,
      payoutsCents: before?.payoutsCents ?? 0,
    });
    const top = await topTasks(store, { from: DAY, to: DAY }, 'UTC', 100);
    expect(top.filter((t) => t.taskId === task)).toHaveLength(1);
  });

  it('loses nothing when events keep arriving during a rebuild', async () => {
    // Every projection transaction waits a while between writing to the analytics store and
    // committing its inbox rows: the moment a rebuild must not empty the tables in.
    await atProjectionCommit(
      conn,
      'analytics_slow_commit',
      `if current_setting('ates.slept', true) is distinct from 'yes' then
         perform set_config('ates.slept', 'yes', true);
         perform pg_sleep(0.2);
       end if;`,
    );
    const employee = randomUUID();
    const publishes = 40;
    const traffic = (async () => {
      for (let i = 0; i < publishes; i++) {
        await publish([
          ledgerEvent('AccountDebited', employee, 1000, randomUUID()),
          ledgerEvent('AccountCredited', employee, 2000, randomUUID()),
        ]);
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rebuilt = await rebuildReadSide(conn.db, bus, store);
    await traffic;
    await settle();
    expect(rebuilt.rejected).toBe(0);
    const [logged] = await conn.db.execute<{ n: number }>(
      sql`select count(*)::int as n from bus.event_log where event_name in ('AccountDebited', 'AccountCredited', 'PayoutMade')`,
    );
    const [projected] = await store.query<{ n: number }>('SELECT uniqExact(event_id) AS n FROM ledger_entries');
    expect(projected?.n).toBe(logged?.n);
    const [mine] = await store.query<{ n: number }>(
      'SELECT uniqExact(event_id) AS n FROM ledger_entries WHERE employee_id = {id:String}',
      { id: employee },
    );
    expect(mine?.n).toBe(publishes * 2);
  });
});

/**
 * Runs `body` (PL/pgSQL) as each projection delivery commits its inbox rows, that is after the
 * analytics store took the delivery: a deferred trigger on bus.inbox named `name`.
 */
async function atProjectionCommit(conn: PostgresConnection, name: string, body: string): Promise<void> {
  await conn.sql.unsafe(`
    create function ${name}() returns trigger language plpgsql as $$
    begin
      if new.consumer = '${PROJECTION_CONSUMER}' then
        ${body}
      end if;
      return null;
    end $$;
    create constraint trigger ${name} after insert on bus.inbox
      deferrable initially deferred for each row execute function ${name}();`);
}
