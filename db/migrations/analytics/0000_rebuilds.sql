CREATE SCHEMA "analytics";
--> statement-breakpoint
CREATE TABLE "analytics"."rebuilds" (
	"id" uuid PRIMARY KEY NOT NULL,
	"state" text NOT NULL,
	"position" bigint DEFAULT 0 NOT NULL,
	"done" integer DEFAULT 0 NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"rejected" integer DEFAULT 0 NOT NULL,
	"resumed" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"leased_until" timestamp with time zone NOT NULL,
	"error" text,
	CONSTRAINT "rebuilds_state_check" CHECK ("analytics"."rebuilds"."state" in ('running', 'done', 'failed'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "rebuilds_one_running_idx" ON "analytics"."rebuilds" USING btree ("state") WHERE "analytics"."rebuilds"."state" = 'running';