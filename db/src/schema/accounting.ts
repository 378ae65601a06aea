import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  check,
  date,
  index,
  integer,
  pgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

export const accounting = pgSchema('accounting');

export type AccountKind = 'employee' | 'company' | 'payouts';
export type TransactionKind = 'fee' | 'reward' | 'payout';

/**
 * One account per employee, one for the company, one where payouts go. `balance` is the sum of the
 * account's entries: only the trigger on `entries` may change it (see the custom migration).
 */
export const accounts = accounting.table(
  'accounts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind').$type<AccountKind>().notNull(),
    employeeId: text('employee_id').unique(),
    balance: bigint('balance', { mode: 'number' }).notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [
    check('accounts_kind_check', sql`${t.kind} in ('employee', 'company', 'payouts')`),
    check('accounts_owner_check', sql`(${t.kind} = 'employee') = (${t.employeeId} is not null)`),
    uniqueIndex('accounts_one_per_house_kind_idx').on(t.kind).where(sql`${t.kind} <> 'employee'`),
  ],
);

/**
 * A fee (assignee → company), a reward (company → assignee) or a payout (employee → payouts).
 * `source_event_id` is the TaskAssigned / TaskCompleted a posting comes from: one event, one
 * posting, even if the inbox were replayed. A task is rewarded once; an employee is paid at most
 * once per business day.
 */
export const transactions = accounting.table(
  'transactions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind').$type<TransactionKind>().notNull(),
    employeeId: text('employee_id').notNull(),
    taskId: text('task_id'),
    sourceEventId: uuid('source_event_id'),
    /** The business day in progress when it was posted, in ATES_TIMEZONE. */
    businessDay: date('business_day', { mode: 'string' }).notNull(),
    /** When it happened: the assignment, the completion, the close. */
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'string' }).notNull(),
    postedAt: timestamp('posted_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [
    check('transactions_kind_check', sql`${t.kind} in ('fee', 'reward', 'payout')`),
    check('transactions_task_check', sql`(${t.kind} = 'payout') = (${t.taskId} is null)`),
    check('transactions_source_check', sql`(${t.kind} = 'payout') = (${t.sourceEventId} is null)`),
    uniqueIndex('transactions_one_per_source_event_idx').on(t.sourceEventId).where(sql`${t.sourceEventId} is not null`),
    uniqueIndex('transactions_one_reward_per_task_idx').on(t.taskId).where(sql`${t.kind} = 'reward'`),
    uniqueIndex('transactions_one_payout_per_day_idx').on(t.businessDay, t.employeeId).where(sql`${t.kind} = 'payout'`),
  ],
);

/**
 * The legs of a transaction: signed integer cents, credit positive, written in the same statement
 * as their transaction. Append-only; every statement that inserts entries must leave each
 * transaction it touches summing to zero, on accounts that exist (custom migration).
 */
export const entries = accounting.table(
  'entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    transactionId: uuid('transaction_id').notNull(),
    accountId: bigint('account_id', { mode: 'number' }).notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    businessDay: date('business_day', { mode: 'string' }).notNull(),
  },
  (t) => [
    check('entries_amount_check', sql`${t.amount} <> 0`),
    index('entries_account_day_idx').on(t.accountId, t.businessDay, t.transactionId),
    index('entries_business_day_idx').on(t.businessDay),
  ],
);

/**
 * A row per closed business day. The day in progress is the later of today (in ATES_TIMEZONE)
 * and the day after the last closed one; closing a day closes every earlier one still open.
 */
export const closedDays = accounting.table('closed_days', {
  businessDay: date('business_day', { mode: 'string' }).primaryKey(),
  closedAt: timestamp('closed_at', { withTimezone: true, mode: 'string' }).notNull(),
  /** The employee who closed it on demand, or `schedule`. */
  closedBy: text('closed_by').notNull(),
  payoutCount: integer('payout_count').notNull(),
  payoutTotal: bigint('payout_total', { mode: 'number' }).notNull(),
});

/** The payout emails sent: written right after the mail server accepts one, keyed by its payout. */
export const payoutMails = accounting.table('payout_mails', {
  transactionId: uuid('transaction_id')
    .primaryKey()
    .references(() => transactions.id),
  recipient: text('recipient').notNull(),
  sentAt: timestamp('sent_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  /** Where it went: the .eml file in the outbox, or the SMTP server and its message id. */
  location: text('location').notNull(),
});

/** The accounting context's copy of the employees (names and emails), fed by Employee events. */
export const employees = accounting.table('employees', {
  employeeId: text('employee_id').primaryKey(),
  fullName: text('full_name').notNull(),
  email: text('email').notNull(),
  /** `event_time` of the newest Employee event applied: an older one arriving late changes nothing. */
  lastEventAt: timestamp('last_event_at', { withTimezone: true, mode: 'string' }).notNull(),
});

/** The accounting context's copy of the tasks (what the audit log shows), fed by Task events. */
export const tasks = accounting.table('tasks', {
  taskId: text('task_id').primaryKey(),
  jiraId: text('jira_id'),
  title: text('title').notNull(),
  description: text('description'),
  lastEventAt: timestamp('last_event_at', { withTimezone: true, mode: 'string' }).notNull(),
});
