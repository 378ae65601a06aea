/** The event log as the bus's modules read it: its rows, the deliveries that point into it, and what their SQL shares. */
import { sql } from 'drizzle-orm';
import { isoTime } from '../postgres/iso-time.ts';
import type { Envelope, EventName } from './events.ts';
import { assertValidEvent } from './registry.ts';
import type { Reads } from './topology.ts';
import { upcast } from './upcasters.ts';

/** A pg-boss job points at a slice of one publish in the event log; the log holds the events. */
export interface Delivery {
  publish_id: string;
  from_seq: number;
  to_seq: number;
  /** Set on the dead letter of a poison event: why no consumer can apply it. */
  reason?: string;
}

/** One event of the log, as a consumer reads it. */
export type LogRow = {
  position: number;
  publish_id: string;
  seq: number;
  event_id: string;
  event_name: EventName;
  event_version: number;
  event_time: string;
  producer: string;
  data: unknown;
};

/** A row of `bus.event_batch`: up to EVENTS_PER_BATCH events of one publish. */
export type BatchRow = {
  position: number | string;
  publish_id: string;
  first_seq: number;
  event_count: number;
  event_time: string;
  producer: string;
  events: { event_id: string; event_name: EventName; event_version: number; data: unknown }[];
};

export const batchColumns = sql.raw(
  `b.position, b.publish_id, b.first_seq, b.event_count, ${isoTime('b.event_time')} as event_time, b.producer, b.events`,
);

/** The delivery of a whole batch of the log. */
export function deliveryOf(batch: { publish_id: string; first_seq: number; event_count: number }): Delivery {
  return {
    publish_id: batch.publish_id,
    from_seq: batch.first_seq,
    to_seq: batch.first_seq + batch.event_count - 1,
  };
}

/** The events of `batches` a consumer reads, each with its place in the log, in order. */
export function eventsOf(
  batches: BatchRow[],
  reads: Reads,
  within?: (batch: BatchRow, seq: number) => boolean,
): LogRow[] {
  const rows: LogRow[] = [];
  for (const batch of batches) {
    const events = Array.isArray(batch.events) ? batch.events : [];
    events.forEach((event, i) => {
      const seq = batch.first_seq + i;
      if (!(event?.event_name in reads) || (within && !within(batch, seq))) return;
      rows.push({
        ...event,
        position: Number(batch.position),
        publish_id: batch.publish_id,
        seq,
        event_time: batch.event_time,
        producer: batch.producer,
      });
    });
  }
  return rows;
}

export function toConsumerVersion(row: LogRow, reads: Reads): Envelope {
  const envelope = {
    event_id: row.event_id,
    event_name: row.event_name,
    event_version: row.event_version,
    event_time: row.event_time,
    producer: row.producer,
    data: row.data,
  } as Envelope;
  assertValidEvent(envelope);
  const target = reads[row.event_name] ?? row.event_version;
  if (envelope.event_version === target) return envelope;
  const upcast_ = {
    ...envelope,
    event_version: target,
    data: upcast(row.event_name, row.event_version, row.data, target),
  };
  assertValidEvent(upcast_);
  return upcast_ as Envelope;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isDelivery(delivery: unknown): delivery is Delivery {
  const d = delivery as Partial<Delivery> | null;
  return !!d && UUID.test(String(d.publish_id)) && Number.isInteger(d.from_seq) && Number.isInteger(d.to_seq);
}

/** `text` as jsonb and the API can carry it: unpaired surrogates and NULs become U+FFFD, and at most 2,000 characters. */
export function storableText(text: string): string {
  return text.toWellFormed().replaceAll('\0', '\uFFFD').slice(0, 2_000);
}

export function sqlArray(values: string[]) {
  return sql`${`{${values.map((v) => `"${v.replaceAll('"', '\\"')}"`).join(',')}}`}`;
}
