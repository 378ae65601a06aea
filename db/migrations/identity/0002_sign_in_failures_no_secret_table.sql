CREATE TABLE "identity"."sign_in_failure" (
	"key" text PRIMARY KEY NOT NULL,
	"failures" integer NOT NULL,
	"last_attempt_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
DROP TABLE "identity"."secret" CASCADE;--> statement-breakpoint
CREATE INDEX "sign_in_failure_last_attempt_at_idx" ON "identity"."sign_in_failure" USING btree ("last_attempt_at");