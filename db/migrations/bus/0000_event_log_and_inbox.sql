CREATE SCHEMA "bus";
--> statement-breakpoint
CREATE TABLE "bus"."event_log" (
	"position" bigserial PRIMARY KEY NOT NULL,
	"event_id" uuid NOT NULL,
	"publish_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"event_name" text NOT NULL,
	"event_version" integer NOT NULL,
	"event_time" timestamp with time zone NOT NULL,
	"producer" text NOT NULL,
	"data" jsonb NOT NULL,
	CONSTRAINT "event_log_event_id_unique" UNIQUE("event_id")
);
--> statement-breakpoint
CREATE TABLE "bus"."inbox" (
	"consumer" text NOT NULL,
	"event_id" uuid NOT NULL,
	"applied_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inbox_consumer_event_id_pk" PRIMARY KEY("consumer","event_id")
);
--> statement-breakpoint
CREATE INDEX "event_log_publish_idx" ON "bus"."event_log" USING btree ("publish_id","seq");