DROP INDEX "tasks"."task_status_id_idx";--> statement-breakpoint
CREATE INDEX "task_done_id_idx" ON "tasks"."task" USING btree ("id") WHERE "tasks"."task"."status" = 'done';