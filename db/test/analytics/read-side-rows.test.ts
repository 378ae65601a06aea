import { describe, expect, it } from 'vitest';
import { readSideRows } from '../../src/analytics/projection.ts';
import type { Envelope, EventDataByName, EventName } from '../../src/bus/events.ts';

const TIME = '2026-12-01T10:00:00.000Z';
let n = 0;
function event<N extends EventName>(event_name: N, data: EventDataByName[N]): Envelope {
  n++;
  return { event_id: `e${n}`, event_name, event_version: 1, event_time: TIME, producer: 'test', data } as Envelope;
}

const employee = { employee_id: 'ada', full_name: 'Ada', email: 'ada@popug.inc', role: 'worker' } as const;
const task = {
  task_id: 't1',
  title: 'Fix the beak',
  jira_id: 'UP-1',
  description: null,
  status: 'open',
  fee: 1500,
  reward: 3000,
  assignee: 'ada',
  completed_at: null,
} as const;
const money = { task_id: 't1', employee_id: 'ada', amount: 3000, at: '2026-12-01T11:00:00.000Z' };
const ledger = { ...money, transaction_id: 'x1', business_day: '2026-12-01' };

describe('readSideRows, the fold of events into analytics rows', () => {
  it('gives each event the row of its table, versioned by event time', () => {
    const rows = readSideRows([
      event('Employee.Created', employee),
      event('Employee.Deleted', employee),
      event('Task.Created', task),
      event('TaskCompleted', money),
      event('AccountDebited', { ...ledger, amount: 1500 }),
      event('AccountCredited', ledger),
      event('PayoutMade', { ...ledger, task_id: null }),
      event('BusinessDayClosed', {
        business_day: '2026-12-01',
        closed_at: '2026-12-02T00:00:00.000Z',
        closed_by: 'schedule',
        payout_count: 1,
        payout_total: 1500,
      }),
    ]);
    const version = Date.parse(TIME);
    expect(rows.employees).toEqual([
      { ...employee, deleted: 0, version, event_id: expect.any(String) },
      { ...employee, deleted: 1, version, event_id: expect.any(String) },
    ]);
    expect(rows.tasks).toEqual([
      {
        task_id: 't1',
        title: 'Fix the beak',
        jira_id: 'UP-1',
        description: null,
        version,
        event_id: expect.any(String),
      },
    ]);
    expect(rows.task_completions).toEqual([
      {
        event_id: expect.any(String),
        task_id: 't1',
        employee_id: 'ada',
        reward: 3000,
        completed_at_ms: Date.parse(money.at),
      },
    ]);
    expect(rows.ledger_entries.map((row) => [row.kind, row.amount, row.task_id])).toEqual([
      ['debit', 1500, 't1'],
      ['credit', 3000, 't1'],
      ['payout', 3000, null],
    ]);
    expect(rows.closed_days).toEqual([
      {
        business_day: '2026-12-01',
        closed_at_ms: Date.parse('2026-12-02T00:00:00.000Z'),
        event_id: expect.any(String),
      },
    ]);
  });

  it('adds no row for TaskAssigned, whose fee the ledger reports as AccountDebited', () => {
    const rows = readSideRows([event('TaskAssigned', money)]);
    expect(Object.values(rows).flat()).toEqual([]);
  });

  it('keeps each event’s own id, so a redelivered event is the same row', () => {
    const once = event('AccountCredited', ledger);
    const rows = readSideRows([once, once]);
    expect(rows.ledger_entries.map((row) => row.event_id)).toEqual([once.event_id, once.event_id]);
  });
});
