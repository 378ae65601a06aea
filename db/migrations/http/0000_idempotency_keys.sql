CREATE SCHEMA "http";
--> statement-breakpoint
CREATE TABLE "http"."idempotency_keys" (
	"employee_id" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"owner" uuid,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL,
	"status" smallint,
	"headers" jsonb,
	"body" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_employee_id_key_pk" PRIMARY KEY("employee_id","key"),
	CONSTRAINT "idempotency_keys_claimed_or_answered" CHECK (("http"."idempotency_keys"."owner" is null) = ("http"."idempotency_keys"."status" is not null))
);
--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_at_idx" ON "http"."idempotency_keys" USING btree ("created_at");