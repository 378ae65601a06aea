import type { Executor } from '@ates/db';
import { ledgerCalendar } from '@ates/db/accounting';
import { type Envelope, type EventBus, eventsNamed, type NewEvent, type TaskMoneyData } from '@ates/db/bus';
import { sql } from 'drizzle-orm';
import { openAccounts } from './on-employee-changed.ts';

type Kind = 'fee' | 'reward';

/** TaskAssigned: the assignee pays the fee to the company. TaskCompleted: the company pays the reward. */
const KIND_OF = { TaskAssigned: 'fee', TaskCompleted: 'reward' } satisfies Record<string, Kind>;

interface Posting extends TaskMoneyData {
  event_id: string;
  kind: Kind;
}

/**
 * Posts the fees and rewards of a batch in one statement, in the business day in progress, and
 * publishes AccountDebited / AccountCredited for them in the same transaction. A posting is keyed
 * by the event it comes from and a task is rewarded once, so nothing here can charge twice; the
 * caller holds the ledger lock.
 */
export async function onTaskMoney(tx: Executor, bus: EventBus, timeZone: string, events: Envelope[]): Promise<void> {
  const postings = eventsNamed(events, 'TaskAssigned', 'TaskCompleted').map(
    (event): Posting => ({ ...event.data, event_id: event.event_id, kind: KIND_OF[event.event_name] }),
  );
  if (postings.length === 0) return;
  await openAccounts(tx, [...new Set(postings.map((p) => p.employee_id))]);
  const { dayInProgress } = await ledgerCalendar(tx, timeZone);
  const posted = await post(tx, postings, dayInProgress);
  const byEvent = new Map(postings.map((p) => [p.event_id, p]));
  await bus.publish(
    tx,
    'accounting',
    posted.map(({ transaction_id, source_event_id }) =>
      ledgerEvent(transaction_id, byEvent.get(source_event_id), dayInProgress),
    ),
  );
}

/**
 * Fee: the employee's account −amount, the company's +amount; a reward the other way round. The
 * entries are numbered in the order of the events, so the audit log reads in the order things happened.
 */
async function post(tx: Executor, postings: Posting[], day: string) {
  const input = postings.map((posting, seq) => ({ ...posting, seq }));
  return tx.execute<{ transaction_id: string; source_event_id: string }>(sql`
    with input as (
      select * from jsonb_to_recordset(${JSON.stringify(input)}::jsonb)
        as r(seq int, event_id uuid, kind text, task_id text, employee_id text, amount bigint, at timestamptz)
    ), posted as (
      insert into accounting.transactions (kind, employee_id, task_id, source_event_id, business_day, occurred_at)
      select kind, employee_id, task_id, event_id, ${day}::date, at from input order by seq
      on conflict do nothing
      returning id, source_event_id, employee_id
    ), legs as (
      insert into accounting.entries (transaction_id, account_id, amount, business_day)
      select p.id, leg.account_id, leg.amount, ${day}::date
      from posted p
      join input i on i.event_id = p.source_event_id
      join accounting.accounts a on a.employee_id = p.employee_id
      cross join lateral (values
        (1, a.id, case i.kind when 'fee' then -i.amount else i.amount end),
        (2, (select id from accounting.accounts where kind = 'company'), case i.kind when 'fee' then i.amount else -i.amount end)
      ) as leg(n, account_id, amount)
      order by i.seq, leg.n
    )
    select id as transaction_id, source_event_id from posted`);
}

function ledgerEvent(transactionId: string, posting: Posting | undefined, day: string): NewEvent {
  if (!posting) throw new Error(`transaction ${transactionId} was posted from an event not in the batch`);
  return {
    name: posting.kind === 'fee' ? 'AccountDebited' : 'AccountCredited',
    data: {
      transaction_id: transactionId,
      task_id: posting.task_id,
      employee_id: posting.employee_id,
      amount: posting.amount,
      at: posting.at,
      business_day: day,
    },
  };
}
