CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE INDEX "task_jira_id_idx" ON "tasks"."task" USING btree ("jira_id","id");--> statement-breakpoint
CREATE INDEX "task_text_trgm_idx" ON "tasks"."task" USING gin (("title" || ' ' || coalesce("description", '')) gin_trgm_ops);