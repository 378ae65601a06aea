CREATE TABLE "bus"."event_batch" (
	"position" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "bus"."event_batch_position_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publish_id" uuid NOT NULL,
	"first_seq" integer NOT NULL,
	"event_count" integer NOT NULL,
	"event_names" text[] NOT NULL,
	"event_time" timestamp with time zone NOT NULL,
	"producer" text NOT NULL,
	"events" json NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bus"."outbox" (
	"position" bigint PRIMARY KEY NOT NULL
);
--> statement-breakpoint
-- Carry the log over in batches of up to 1,000 events aligned on the old deliveries' slices,
-- so jobs queued before the upgrade still find their events.
INSERT INTO "bus"."event_batch" ("publish_id", "first_seq", "event_count", "event_names", "event_time", "producer", "events")
SELECT "publish_id", min("seq"), count(*), array_agg(DISTINCT "event_name"), min("event_time"), min("producer"),
  json_agg(json_build_object('event_id', "event_id", 'event_name', "event_name", 'event_version', "event_version", 'data', "data") ORDER BY "seq")
FROM "bus"."event_log"
GROUP BY "publish_id", ("seq" - 1) / 1000
ORDER BY min("position");
--> statement-breakpoint
DROP TABLE "bus"."event_log" CASCADE;--> statement-breakpoint
CREATE INDEX "event_batch_publish_idx" ON "bus"."event_batch" USING btree ("publish_id","first_seq");--> statement-breakpoint
CREATE VIEW "bus"."event_log" AS (select b.position, (e.event->>'event_id')::uuid as event_id, b.publish_id,
      b.first_seq + e.n::int - 1 as seq, e.event->>'event_name' as event_name,
      (e.event->>'event_version')::int as event_version, b.event_time, b.producer, (e.event->'data')::jsonb as data
    from bus.event_batch b cross join lateral json_array_elements(b.events) with ordinality as e(event, n));