CREATE TABLE "tasks"."task_search" (
	"task_id" uuid PRIMARY KEY NOT NULL,
	"jira_id" text,
	"text" text NOT NULL
);
--> statement-breakpoint
DROP INDEX "tasks"."task_jira_id_idx";--> statement-breakpoint
DROP INDEX "tasks"."task_text_trgm_idx";--> statement-breakpoint
CREATE INDEX "task_search_jira_id_idx" ON "tasks"."task_search" USING btree ("jira_id","task_id");--> statement-breakpoint
CREATE INDEX "task_search_text_trgm_idx" ON "tasks"."task_search" USING gin ("text" gin_trgm_ops);--> statement-breakpoint
-- The search copy follows the task's text whatever writes it. Inserts are copied per statement,
-- from the transition table, so a bulk insert is one copy; edits per row, and only when an UPDATE
-- sets the text: a reassign, which sets only the assignee, never fires it.
CREATE FUNCTION tasks.copy_inserted_task_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tasks.task_search (task_id, jira_id, text)
  SELECT id, jira_id, title || ' ' || coalesce(description, '') FROM inserted;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER task_search_on_insert AFTER INSERT ON tasks.task
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION tasks.copy_inserted_task_text();
--> statement-breakpoint
CREATE FUNCTION tasks.copy_edited_task_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE tasks.task_search SET jira_id = NEW.jira_id, text = NEW.title || ' ' || coalesce(NEW.description, '')
  WHERE task_id = NEW.id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER task_search_on_edit AFTER UPDATE OF title, jira_id, description ON tasks.task
  FOR EACH ROW EXECUTE FUNCTION tasks.copy_edited_task_text();
--> statement-breakpoint
INSERT INTO tasks.task_search (task_id, jira_id, text)
SELECT id, jira_id, title || ' ' || coalesce(description, '') FROM tasks.task;
