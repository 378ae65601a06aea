import { z } from '@hono/zod-openapi';
import { calendarDate as day, uuid } from '../http/text.ts';

const EMPLOYEE_ID = 'e7Qk2vXw9Lz';
const TASK_ID = '0f8e4c52-7d1a-4a55-9a57-3c1b2f0e9d11';
const TRANSACTION_ID = '6b1f0d7e-3c4a-4f5b-8a9e-2d1c0b9a8f7e';
const EVENT_ID = '9d3c2b1a-0f9e-4d8c-8b7a-6f5e4d3c2b1a';

const dayEarningsExample = {
  businessDay: '2026-11-24',
  feesCents: 45_000,
  rewardsCents: 38_000,
  managementEarningsCents: 7000,
  payoutsCents: 12_300,
};

const DayEarningsSchema = z
  .object({
    businessDay: z.string(),
    feesCents: z.number().int().openapi({ description: 'Assign fees charged: what the company took in.' }),
    rewardsCents: z.number().int().openapi({ description: 'Completion rewards: what the company paid out.' }),
    managementEarningsCents: z.number().int().openapi({ description: 'What top management earned: fees − rewards.' }),
    payoutsCents: z.number().int().openapi({ description: 'Positive balances paid out at the close of the day.' }),
  })
  .openapi('ManagementEarnings', { example: dayEarningsExample });

export const SummarySchema = DayEarningsSchema.extend({
  employeesInNegative: z.number().int().openapi({ description: 'Employees whose balance is below zero now.' }),
  timeZone: z.string().openapi({ description: 'ATES_TIMEZONE, which decides what "today" is.' }),
}).openapi('AnalyticsSummary', { example: { ...dayEarningsExample, employeesInNegative: 3, timeZone: 'UTC' } });

export const EarningsQuery = z
  .strictObject({
    from: day('First business day; default: 13 days before `to`.').optional(),
    to: day('Last business day; default: the business day in progress.').optional(),
  })
  .refine((q) => !(q.from && q.to && q.from > q.to), { message: 'from must not be after to', path: ['from'] });

export const EarningsSchema = z
  .object({
    items: z.array(DayEarningsSchema),
    managementEarningsCents: z.number().int().openapi({ description: 'The sum over the range.' }),
    nextCursor: z.null(),
  })
  .openapi('ManagementEarningsPerDay', {
    example: { items: [dayEarningsExample], managementEarningsCents: 7000, nextCursor: null },
  });

export const TopTasksQuery = z
  .strictObject({
    period: z
      .enum(['day', 'week', 'month'])
      .optional()
      .openapi({ description: 'Default: day. A week runs Monday to Sunday.' }),
    date: day('A day in the period; default: today.').optional(),
    from: day('First day of a range of your own (with `to`, instead of period and date).').optional(),
    to: day('Last day of the range.').optional(),
    limit: z.coerce.number().int().min(1).max(100).default(10),
  })
  .refine((q) => !((q.from || q.to) && (q.period || q.date)), {
    message: 'give either period/date or from/to, not both',
    path: ['from'],
  })
  .refine((q) => Boolean(q.from) === Boolean(q.to), { message: 'from and to go together', path: ['to'] })
  .refine((q) => !(q.from && q.to && q.from > q.to), { message: 'from must not be after to', path: ['from'] });

const topTaskExample = {
  rank: 1,
  taskId: TASK_ID,
  jiraId: 'UP-42',
  title: 'Fix the beak',
  description: 'The beak squeaks on Mondays.',
  rewardCents: 4000,
  completedAt: '2026-11-24T15:04:05.000Z',
  completedById: EMPLOYEE_ID,
  completedByName: 'Kesha Popug',
};

export const TopTasksSchema = z
  .object({
    from: z.string().openapi({ description: 'First business day of the period.' }),
    to: z.string().openapi({ description: 'Last business day of the period.' }),
    timeZone: z.string(),
    items: z.array(
      z
        .object({
          rank: z.number().int(),
          taskId: z.string(),
          jiraId: z.string().nullable(),
          title: z.string(),
          description: z.string().nullable(),
          rewardCents: z.number().int(),
          completedAt: z.string(),
          completedById: z.string(),
          completedByName: z.string().nullable(),
        })
        .openapi('TopTask', { example: topTaskExample }),
    ),
    nextCursor: z.null(),
  })
  .openapi('TopTasks', {
    example: { from: '2026-11-24', to: '2026-11-24', timeZone: 'UTC', items: [topTaskExample], nextCursor: null },
  });

/** An audit page ends at an event: its time in epoch milliseconds and its id. */
export const AUDIT_CURSOR =
  /^(\d{1,15})\.([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;

export const AuditQuery = z.strictObject({
  date: day('The business day; default: the business day in progress.').optional(),
  cursor: z
    .string()
    .regex(AUDIT_CURSOR, 'must be the nextCursor of a previous page')
    .optional()
    .openapi({ description: 'The `nextCursor` of the previous page.' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const auditExample = {
  eventId: EVENT_ID,
  transactionId: TRANSACTION_ID,
  kind: 'fee',
  employeeId: EMPLOYEE_ID,
  fullName: 'Kesha Popug',
  amountCents: -1500,
  at: '2026-11-24T09:12:00.000Z',
  taskId: TASK_ID,
  jiraId: 'UP-42',
  title: 'Fix the beak',
  description: 'The beak squeaks on Mondays.',
} as const;

export const AuditSchema = z
  .object({
    businessDay: z.string(),
    items: z.array(
      z
        .object({
          eventId: z.string(),
          transactionId: z.string(),
          kind: z.enum(['fee', 'reward', 'payout']).openapi({ description: 'A fee, a reward or a payout.' }),
          employeeId: z.string(),
          fullName: z.string().nullable(),
          amountCents: z
            .number()
            .int()
            .openapi({ description: "As the employee's balance moved: a debit or payout negative." }),
          at: z.string(),
          taskId: z.string().nullable().openapi({ description: 'Null for a payout.' }),
          jiraId: z.string().nullable(),
          title: z.string().nullable(),
          description: z.string().nullable(),
        })
        .openapi('AnalyticsAuditEntry', { example: auditExample }),
    ),
    nextCursor: z.string().nullable(),
  })
  .openapi('AnalyticsAuditLog', {
    example: { businessDay: '2026-11-24', items: [auditExample], nextCursor: `1795943520000.${EVENT_ID}` },
  });

export const PayoutsQuery = z.strictObject({
  date: day('The business day; default: the last one with payouts.').optional(),
});

const payoutExample = {
  transactionId: TRANSACTION_ID,
  employeeId: EMPLOYEE_ID,
  fullName: 'Kesha Popug',
  email: 'kesha@popug.inc',
  amountCents: 1700,
  paidAt: '2026-11-24T23:59:59.000Z',
};

export const PayoutsSchema = z
  .object({
    businessDay: z.string().nullable().openapi({ description: 'Null when nothing was ever paid out.' }),
    items: z.array(
      z
        .object({
          transactionId: z.string(),
          employeeId: z.string(),
          fullName: z.string().nullable(),
          email: z.string().nullable(),
          amountCents: z.number().int(),
          paidAt: z.string(),
        })
        .openapi('AnalyticsPayout', { example: payoutExample }),
    ),
    totalCents: z.number().int(),
    nextCursor: z.null(),
  })
  .openapi('AnalyticsPayouts', {
    example: { businessDay: '2026-11-24', items: [payoutExample], totalCents: 1700, nextCursor: null },
  });

const rebuildExample = {
  id: '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d',
  state: 'running',
  done: 45_000,
  total: 120_000,
  rejected: 0,
  resumed: 0,
  startedAt: '2026-11-24T15:04:05.000Z',
  finishedAt: null,
  error: null,
} as const;

export const RebuildSchema = z
  .object({
    id: z.string(),
    state: z.enum(['running', 'done', 'failed']),
    done: z.number().int().openapi({ description: 'Events replayed so far.' }),
    total: z.number().int().openapi({ description: 'Events to replay; 0 until the first batch is in.' }),
    rejected: z.number().int().openapi({
      description:
        'Poison events skipped so far: they fail the registry or hold what the stores cannot (see the server log).',
    }),
    resumed: z.number().int().openapi({
      description:
        'How often another (or a restarted) API process took the rebuild over and went on from where it was.',
    }),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    error: z.string().nullable(),
  })
  .openapi('AnalyticsRebuild', { example: rebuildExample });

export const RebuildParams = z.object({
  id: uuid().openapi({ param: { name: 'id', in: 'path' }, example: rebuildExample.id }),
});

export const VerifyQuery = z
  .strictObject({
    from: day('First business day; default: six days before `to`.').optional(),
    to: day("Last business day; default: the ledger's day in progress.").optional(),
  })
  .refine((q) => !(q.from && q.to && q.from > q.to), { message: 'from must not be after to', path: ['from'] });

const totals = z.object({
  feesCents: z.number().int(),
  rewardsCents: z.number().int(),
  managementEarningsCents: z.number().int(),
});

export const VerificationSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    daysCompared: z.number().int(),
    agrees: z.boolean(),
    differences: z.array(
      z.object({ businessDay: z.string(), analytics: totals, ledger: totals }).openapi('AnalyticsDifference'),
    ),
  })
  .openapi('AnalyticsVerification', {
    example: {
      from: '2026-11-18',
      to: '2026-11-24',
      daysCompared: 7,
      agrees: false,
      differences: [
        {
          businessDay: '2026-11-23',
          analytics: { feesCents: 43_500, rewardsCents: 38_000, managementEarningsCents: 5500 },
          ledger: { feesCents: 45_000, rewardsCents: 38_000, managementEarningsCents: 7000 },
        },
      ],
    },
  });

export type RebuildStatus = z.infer<typeof RebuildSchema>;
export type Verification = z.infer<typeof VerificationSchema>;
