import { randomUUID } from 'node:crypto';
import type { Envelope } from '@ates/db/bus';
import { describe, expect, it } from 'vitest';
import { type BatchRow, deliveryOf, eventsOf, isDelivery, toConsumerVersion } from '../src/bus/log.ts';
import { batchOf, EVENTS_PER_BATCH, inBatches } from '../src/bus/publish.ts';

const created = (name: string): Envelope => ({
  event_id: randomUUID(),
  event_name: 'Employee.Created',
  event_version: 1,
  event_time: '2026-11-24T15:04:05.000Z',
  producer: 'identity',
  data: { employee_id: randomUUID(), full_name: name, role: 'worker', email: 'ada@popug.inc' },
});

const batch = (position: number, firstSeq: number, events: BatchRow['events']): BatchRow => ({
  position: String(position),
  publish_id: 'c0ffee00-0000-4000-8000-000000000000',
  first_seq: firstSeq,
  event_count: events.length,
  event_time: '2026-11-24T15:04:05.000Z',
  producer: 'tasks',
  events,
});

const logged = (event_name: BatchRow['events'][number]['event_name'], event_version = 1, data: unknown = {}) => ({
  event_id: randomUUID(),
  event_name,
  event_version,
  data,
});

describe('a publish cut into batches of the log', () => {
  it('fills each batch up to the limit and numbers events from 1 across the publish', () => {
    const events = Array.from({ length: 2 * EVENTS_PER_BATCH + 1 }, (_, i) => i);
    const batches = inBatches(events);
    expect(batches.map((b) => [b.firstSeq, b.events.length])).toEqual([
      [1, EVENTS_PER_BATCH],
      [EVENTS_PER_BATCH + 1, EVENTS_PER_BATCH],
      [2 * EVENTS_PER_BATCH + 1, 1],
    ]);
    expect(batches.flatMap((b) => b.events)).toEqual(events);
  });

  it('writes no batch for no events, and one for a single event', () => {
    expect(inBatches([])).toEqual([]);
    expect(inBatches(['only'])).toEqual([{ firstSeq: 1, events: ['only'] }]);
  });

  it('holds the time and producer once per row and each event without them, its names once each', () => {
    const [ada, kesha] = [created('Ada'), created('Kesha')];
    const row = batchOf('c0ffee00-0000-4000-8000-000000000000', 1001, [ada, kesha]);
    expect(row).toEqual({
      publishId: 'c0ffee00-0000-4000-8000-000000000000',
      firstSeq: 1001,
      eventNames: ['Employee.Created'],
      eventTime: '2026-11-24T15:04:05.000Z',
      producer: 'identity',
      events: [ada, kesha].map(({ event_id, event_name, event_version, data }) => ({
        event_id,
        event_name,
        event_version,
        data,
      })),
    });
    expect(Object.keys(row.events[0] ?? {})).toEqual(['event_id', 'event_name', 'event_version', 'data']);
  });
});

describe('the events of the log a consumer reads', () => {
  it('keeps only the names it reads, each with its place in the log and its batch’s time and producer', () => {
    const [task, employee] = [logged('TaskAssigned'), logged('Employee.Created')];
    const rows = eventsOf([batch(7, 1, [task, employee])], { 'Employee.Created': 1 });
    expect(rows).toEqual([
      {
        ...employee,
        position: 7,
        publish_id: 'c0ffee00-0000-4000-8000-000000000000',
        seq: 2,
        event_time: '2026-11-24T15:04:05.000Z',
        producer: 'tasks',
      },
    ]);
  });

  it('keeps only the sequence numbers a delivery names, across batches, in order', () => {
    const first = Array.from({ length: 3 }, () => logged('PayoutMade'));
    const second = Array.from({ length: 3 }, () => logged('PayoutMade'));
    const rows = eventsOf(
      [batch(1, 1, first), batch(2, 4, second)],
      { PayoutMade: 1 },
      (_, seq) => seq >= 3 && seq <= 4,
    );
    expect(rows.map((r) => [r.position, r.seq, r.event_id])).toEqual([
      [1, 3, first[2]?.event_id],
      [2, 4, second[0]?.event_id],
    ]);
  });

  it('reads a batch whose events are not an array as holding none', () => {
    expect(eventsOf([{ ...batch(1, 1, []), events: null as unknown as [] }], { PayoutMade: 1 })).toEqual([]);
  });

  it('lifts an old version to the one the consumer reads', () => {
    const reads = { 'Task.Created': 2 };
    const v1 = logged('Task.Created', 1, {
      task_id: 't1',
      title: '[UP-42] - Fix the beak',
      description: null,
      status: 'open',
      fee: 1500,
      reward: 3200,
      assignee: 'e1',
      completed_at: null,
    });
    const events = eventsOf([batch(1, 1, [v1])], reads).map((row) => toConsumerVersion(row, reads));
    expect(events).toMatchObject([{ event_version: 2, data: { title: 'Fix the beak', jira_id: 'UP-42' } }]);
  });
});

describe('a delivery', () => {
  it('of a whole batch runs from its first sequence number to its last', () => {
    expect(deliveryOf({ publish_id: 'p', first_seq: 1001, event_count: 1000 })).toEqual({
      publish_id: 'p',
      from_seq: 1001,
      to_seq: 2000,
    });
  });

  it('is a publish id and two whole sequence numbers, or no delivery at all', () => {
    expect(isDelivery(deliveryOf({ publish_id: randomUUID(), first_seq: 1, event_count: 1 }))).toBe(true);
    for (const job of [
      null,
      'x',
      {},
      { publish_id: 'p', from_seq: 1, to_seq: 1 },
      { publish_id: randomUUID(), from_seq: 1.5, to_seq: 2 },
    ]) {
      expect(isDelivery(job)).toBe(false);
    }
  });
});
