CREATE SCHEMA "accounting";
--> statement-breakpoint
CREATE TABLE "accounting"."accounts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"employee_id" text,
	"balance" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "accounts_employee_id_unique" UNIQUE("employee_id"),
	CONSTRAINT "accounts_kind_check" CHECK ("accounting"."accounts"."kind" in ('employee', 'company', 'payouts')),
	CONSTRAINT "accounts_owner_check" CHECK (("accounting"."accounts"."kind" = 'employee') = ("accounting"."accounts"."employee_id" is not null))
);
--> statement-breakpoint
CREATE TABLE "accounting"."closed_days" (
	"business_day" date PRIMARY KEY NOT NULL,
	"closed_at" timestamp with time zone NOT NULL,
	"closed_by" text NOT NULL,
	"payout_count" integer NOT NULL,
	"payout_total" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "accounting"."employees" (
	"employee_id" text PRIMARY KEY NOT NULL,
	"full_name" text NOT NULL,
	"email" text NOT NULL,
	"last_event_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "accounting"."entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"transaction_id" uuid NOT NULL,
	"account_id" bigint NOT NULL,
	"amount" bigint NOT NULL,
	"business_day" date NOT NULL,
	CONSTRAINT "entries_amount_check" CHECK ("accounting"."entries"."amount" <> 0)
);
--> statement-breakpoint
CREATE TABLE "accounting"."payout_mails" (
	"transaction_id" uuid PRIMARY KEY NOT NULL,
	"recipient" text NOT NULL,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL,
	"location" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "accounting"."tasks" (
	"task_id" text PRIMARY KEY NOT NULL,
	"jira_id" text,
	"title" text NOT NULL,
	"description" text,
	"last_event_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "accounting"."transactions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"employee_id" text NOT NULL,
	"task_id" text,
	"source_event_id" uuid,
	"business_day" date NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"posted_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "transactions_kind_check" CHECK ("accounting"."transactions"."kind" in ('fee', 'reward', 'payout')),
	CONSTRAINT "transactions_task_check" CHECK (("accounting"."transactions"."kind" = 'payout') = ("accounting"."transactions"."task_id" is null)),
	CONSTRAINT "transactions_source_check" CHECK (("accounting"."transactions"."kind" = 'payout') = ("accounting"."transactions"."source_event_id" is null))
);
--> statement-breakpoint
ALTER TABLE "accounting"."payout_mails" ADD CONSTRAINT "payout_mails_transaction_id_transactions_id_fk" FOREIGN KEY ("transaction_id") REFERENCES "accounting"."transactions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_one_per_house_kind_idx" ON "accounting"."accounts" USING btree ("kind") WHERE "accounting"."accounts"."kind" <> 'employee';--> statement-breakpoint
CREATE INDEX "entries_account_day_idx" ON "accounting"."entries" USING btree ("account_id","business_day","transaction_id");--> statement-breakpoint
CREATE INDEX "entries_business_day_idx" ON "accounting"."entries" USING btree ("business_day");--> statement-breakpoint
CREATE UNIQUE INDEX "transactions_one_per_source_event_idx" ON "accounting"."transactions" USING btree ("source_event_id") WHERE "accounting"."transactions"."source_event_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "transactions_one_reward_per_task_idx" ON "accounting"."transactions" USING btree ("task_id") WHERE "accounting"."transactions"."kind" = 'reward';--> statement-breakpoint
CREATE UNIQUE INDEX "transactions_one_payout_per_day_idx" ON "accounting"."transactions" USING btree ("business_day","employee_id") WHERE "accounting"."transactions"."kind" = 'payout';