CREATE SCHEMA "tasks";
--> statement-breakpoint
CREATE TABLE "tasks"."employee" (
	"id" text PRIMARY KEY NOT NULL,
	"full_name" text NOT NULL,
	"role" text NOT NULL,
	"email" text NOT NULL,
	"active" boolean NOT NULL,
	"last_event_at" timestamp with time zone NOT NULL,
	CONSTRAINT "employee_role_check" CHECK ("tasks"."employee"."role" in ('admin', 'manager', 'accountant', 'worker'))
);
--> statement-breakpoint
CREATE TABLE "tasks"."task" (
	"id" uuid PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"jira_id" text,
	"description" text,
	"status" text DEFAULT 'open' NOT NULL,
	"assign_fee_cents" integer NOT NULL,
	"reward_cents" integer NOT NULL,
	"assignee_id" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "task_title_check" CHECK ("tasks"."task"."title" <> '' and "tasks"."task"."title" !~ '[][]'),
	CONSTRAINT "task_jira_id_check" CHECK ("tasks"."task"."jira_id" ~ '^[A-Z][A-Z0-9]*-[0-9]+$'),
	CONSTRAINT "task_status_check" CHECK ("tasks"."task"."status" in ('open', 'done')),
	CONSTRAINT "task_done_has_time_check" CHECK (("tasks"."task"."status" = 'done') = ("tasks"."task"."completed_at" is not null)),
	CONSTRAINT "task_assign_fee_check" CHECK ("tasks"."task"."assign_fee_cents" between 1000 and 2000 and "tasks"."task"."assign_fee_cents" % 100 = 0),
	CONSTRAINT "task_reward_check" CHECK ("tasks"."task"."reward_cents" between 2000 and 4000 and "tasks"."task"."reward_cents" % 100 = 0)
);
--> statement-breakpoint
CREATE INDEX "employee_assignable_idx" ON "tasks"."employee" USING btree ("id") WHERE "tasks"."employee"."active" and "tasks"."employee"."role" not in ('admin', 'manager');--> statement-breakpoint
CREATE INDEX "task_status_id_idx" ON "tasks"."task" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "task_assignee_status_id_idx" ON "tasks"."task" USING btree ("assignee_id","status","id");