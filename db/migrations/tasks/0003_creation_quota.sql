CREATE TABLE "tasks"."creation_quota" (
	"task_id" uuid PRIMARY KEY NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "creation_quota_created_by_created_at_idx" ON "tasks"."creation_quota" USING btree ("created_by","created_at");