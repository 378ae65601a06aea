import { z } from '@hono/zod-openapi';
import { calendarDate as day, text, uuid } from '../http/text.ts';

/** An audit page ends at an entry id, a Postgres bigint. */
const MAX_ENTRY_ID = 2n ** 63n - 1n;
const EntryCursor = z
  .string()
  .regex(/^\d{1,19}$/, { message: 'must be the nextCursor of a previous page', abort: true })
  .refine((cursor) => BigInt(cursor) <= MAX_ENTRY_ID, 'must be the nextCursor of a previous page');

const EMPLOYEE_ID = 'e7Qk2vXw9Lz';
const TASK_ID = '0f8e4c52-7d1a-4a55-9a57-3c1b2f0e9d11';
const TRANSACTION_ID = '6b1f0d7e-3c4a-4f5b-8a9e-2d1c0b9a8f7e';

export const EmployeeParams = z.object({
  employeeId: text()
    .min(1)
    .openapi({
      param: { name: 'employeeId', in: 'path' },
      description: 'An employee id or email, or `me`.',
      example: 'me',
    }),
});

export const AccountSchema = z
  .object({
    employeeId: z.string(),
    fullName: z.string().nullable().openapi({ description: 'Null until accounting has heard of the employee.' }),
    email: z.string().nullable(),
    balanceCents: z.number().int().openapi({ description: 'Positive: paid out at the close of the day.' }),
    businessDay: z.string().openapi({ description: 'The business day in progress, in ATES_TIMEZONE.' }),
  })
  .openapi('Account', {
    example: {
      employeeId: EMPLOYEE_ID,
      fullName: 'Kesha Popug',
      email: 'kesha@popug.inc',
      balanceCents: 1700,
      businessDay: '2026-11-24',
    },
  });

export const AccountsQuery = z.strictObject({
  sort: z.enum(['name', 'balance']).default('name').openapi({ description: 'By full name, or by balance.' }),
  order: z.enum(['asc', 'desc']).default('asc'),
  balance: z
    .enum(['negative', 'positive'])
    .optional()
    .openapi({ description: 'Only the accounts in debt (`negative`), or those to be paid out (`positive`).' }),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,1000}$/, 'must be the nextCursor of a previous page')
    .optional()
    .openapi({ description: 'The `nextCursor` of the previous page, asked with the same sort and filter.' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const accountsExample = {
  employeeId: EMPLOYEE_ID,
  fullName: 'Kesha Popug',
  email: 'kesha@popug.inc',
  balanceCents: 1700,
  businessDay: '2026-11-24',
};

export const AccountListSchema = z
  .object({
    items: z.array(AccountSchema),
    nextCursor: z.string().nullable(),
    totals: z
      .object({
        count: z.number().int().openapi({ description: 'Accounts that match the filter, on every page.' }),
        positiveCents: z.number().int().openapi({ description: 'The sum of the positive balances among them.' }),
        negativeCents: z.number().int().openapi({ description: 'The sum of the negative balances among them.' }),
      })
      .openapi({ description: 'Over every account that matches the filter, not only this page.' }),
  })
  .openapi('AccountList', {
    example: {
      items: [accountsExample],
      nextCursor: null,
      totals: { count: 1, positiveCents: 1700, negativeCents: 0 },
    },
  });

export const AuditQuery = z
  .strictObject({
    date: day('One business day.').optional(),
    from: day('First business day of a range (with `to`).').optional(),
    to: day('Last business day of a range (with `from`).').optional(),
    cursor: EntryCursor.optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .refine((q) => !(q.date && (q.from || q.to)), { message: 'give either date or from/to, not both', path: ['date'] })
  .refine((q) => !(q.from && q.to && q.from > q.to), { message: 'from must not be after to', path: ['from'] });

const auditExample = {
  entryId: '1042',
  transactionId: TRANSACTION_ID,
  kind: 'fee',
  amountCents: -1500,
  at: '2026-11-24T09:12:00.000Z',
  businessDay: '2026-11-24',
  taskId: TASK_ID,
  jiraId: 'UP-42',
  title: 'Fix the beak',
  description: 'The beak squeaks on Mondays.',
} as const;

export const AuditEntrySchema = z
  .object({
    entryId: z.string(),
    transactionId: z.string(),
    kind: z.enum(['fee', 'reward', 'payout']),
    amountCents: z.number().int().openapi({ description: 'Credit positive, debit negative.' }),
    at: z.string().openapi({ description: 'When it happened: the assignment, the completion, the close.' }),
    businessDay: z.string(),
    taskId: z.string().nullable().openapi({ description: 'Null for a payout.' }),
    jiraId: z.string().nullable(),
    title: z.string().nullable().openapi({ description: 'Null for a payout, or a task not yet heard of.' }),
    description: z.string().nullable(),
  })
  .openapi('AuditEntry', { example: auditExample });

export const AuditLogSchema = z
  .object({ items: z.array(AuditEntrySchema), nextCursor: z.string().nullable() })
  .openapi('AuditLog', { example: { items: [auditExample], nextCursor: null } });

export const EarningsQuery = z
  .strictObject({
    from: day('First business day; default: six days before `to`.').optional(),
    to: day('Last business day; default: the day in progress.').optional(),
  })
  .refine((q) => !(q.from && q.to && q.from > q.to), { message: 'from must not be after to', path: ['from'] });

const earningsExample = { businessDay: '2026-11-24', feesCents: 45_000, rewardsCents: 38_000, earningsCents: 7000 };

export const EarningsSchema = z
  .object({
    items: z.array(
      z
        .object({
          businessDay: z.string(),
          feesCents: z.number().int().openapi({ description: 'Assign fees the company was paid.' }),
          rewardsCents: z.number().int().openapi({ description: 'Rewards the company paid.' }),
          earningsCents: z.number().int().openapi({ description: 'What top management earned: fees − rewards.' }),
        })
        .openapi('DayEarnings', { example: earningsExample }),
    ),
    totalEarningsCents: z.number().int(),
    nextCursor: z.null(),
  })
  .openapi('Earnings', { example: { items: [earningsExample], totalEarningsCents: 7000, nextCursor: null } });

export const CloseDayBody = z
  .strictObject({
    date: day('The business day to close, today or earlier; default: today, closed at once.').optional(),
  })
  .openapi('CloseDay');

const closedExample = {
  businessDay: '2026-11-24',
  closedAt: '2026-11-24T18:00:02.114Z',
  closedBy: EMPLOYEE_ID,
  alreadyClosed: false,
  payoutCount: 42,
  payoutTotalCents: 61_300,
  dayInProgress: '2026-11-25',
};

export const ClosedDaySchema = z
  .object({
    businessDay: z.string(),
    closedAt: z.string(),
    closedBy: z.string().openapi({ description: 'The employee who closed it, or `schedule`.' }),
    alreadyClosed: z.boolean().openapi({ description: 'True when it was closed before: this call paid nothing.' }),
    payoutCount: z.number().int(),
    payoutTotalCents: z.number().int(),
    dayInProgress: z.string().openapi({
      description: 'Where postings go from now on: today, or tomorrow once today is closed. Never later.',
    }),
  })
  .openapi('ClosedDay', { example: closedExample });

/** The two answers a close gives: the day closed by this call, or closed before it and paid nothing now. */
export const closedDayExamples = {
  closed: { summary: 'Closed by this call', value: closedExample },
  alreadyClosed: {
    summary: 'Asked again the same day: already closed, nothing paid twice',
    value: { ...closedExample, alreadyClosed: true },
  },
};

export const DayParams = z.object({
  date: day('A business day.').openapi({ param: { name: 'date', in: 'path' } }),
});

export const BusinessDaySchema = z
  .object({
    businessDay: z.string(),
    status: z.enum(['open', 'closed', 'not begun']),
    dayInProgress: z.string(),
    closedAt: z.string().nullable(),
    closedBy: z.string().nullable(),
    payoutCount: z.number().int(),
    payoutTotalCents: z.number().int(),
    mailsSent: z.number().int().openapi({ description: 'Payout emails sent so far; the workers send them.' }),
  })
  .openapi('BusinessDay', {
    example: {
      businessDay: '2026-11-24',
      status: 'closed',
      dayInProgress: '2026-11-25',
      closedAt: '2026-11-24T18:00:02.114Z',
      closedBy: EMPLOYEE_ID,
      payoutCount: 42,
      payoutTotalCents: 61_300,
      mailsSent: 42,
    },
  });

export const PayoutsQuery = z.strictObject({
  date: day('The business day; default: the last closed one.').optional(),
  cursor: uuid().optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const payoutExample = {
  transactionId: TRANSACTION_ID,
  employeeId: EMPLOYEE_ID,
  fullName: 'Kesha Popug',
  email: 'kesha@popug.inc',
  amountCents: 1700,
  businessDay: '2026-11-24',
  paidAt: '2026-11-24T18:00:02.114Z',
  mail: { sentAt: '2026-11-24T18:00:03.020Z', location: '/home/ates/.ates/outbox/6b1f0d7e.eml' },
};

export const PayoutListSchema = z
  .object({
    businessDay: z.string().nullable().openapi({ description: 'The day listed; null when no day is closed yet.' }),
    items: z.array(
      z
        .object({
          transactionId: z.string(),
          employeeId: z.string(),
          fullName: z.string().nullable(),
          email: z.string().nullable(),
          amountCents: z.number().int(),
          businessDay: z.string(),
          paidAt: z.string(),
          mail: z
            .object({ sentAt: z.string(), location: z.string() })
            .nullable()
            .openapi({ description: 'Null until the email is sent: where it went (SMTP server or .eml file).' }),
        })
        .openapi('Payout', { example: payoutExample }),
    ),
    nextCursor: z.string().nullable(),
  })
  .openapi('PayoutList', { example: { businessDay: '2026-11-24', items: [payoutExample], nextCursor: null } });

export type Account = z.infer<typeof AccountSchema>;
export type AccountsInput = z.infer<typeof AccountsQuery>;
export type AccountList = z.infer<typeof AccountListSchema>;
export type AuditInput = z.infer<typeof AuditQuery>;
export type AuditLog = z.infer<typeof AuditLogSchema>;
export type EarningsInput = z.infer<typeof EarningsQuery>;
export type Earnings = z.infer<typeof EarningsSchema>;
export type ClosedDay = z.infer<typeof ClosedDaySchema>;
export type BusinessDay = z.infer<typeof BusinessDaySchema>;
export type PayoutsInput = z.infer<typeof PayoutsQuery>;
export type PayoutList = z.infer<typeof PayoutListSchema>;
