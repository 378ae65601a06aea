import { businessTimeZone } from '@ates/db';
import { createRoute } from '@hono/zod-openapi';
import type { ApiDeps } from '../deps.ts';
import type { App } from '../http/env.ts';
import { allow } from '../http/guard.ts';
import { badRequest, problemResponses } from '../http/problem.ts';
import { addDays, periodOf, today } from './period.ts';
import { auditLog, dayInProgress, earningsByDay, lastPayoutDay, payoutsOf, summary, topTasks } from './reports.ts';
import {
  AUDIT_CURSOR,
  AuditQuery,
  AuditSchema,
  EarningsQuery,
  EarningsSchema,
  PayoutsQuery,
  PayoutsSchema,
  SummarySchema,
  TopTasksQuery,
  TopTasksSchema,
} from './schemas.ts';

const json = <T>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const tags = ['Analytics'];
const MAX_EARNINGS_DAYS = 366;

const summaryRoute = createRoute({
  method: 'get',
  path: '/v1/reports/summary',
  operationId: 'getSummaryReport',
  ...allow('admin'),
  tags,
  summary: 'Today: management earnings and how many employees are in the negative (admin)',
  description:
    'Today is the business day in progress, as the ledger counts it: the calendar day in ATES_TIMEZONE, or ' +
    'the next one once today has been closed early. `businessDay` says which. A balance counts every entry so far.',
  responses: { 200: json(SummarySchema, "Today's figures"), ...problemResponses(401, 403) },
});

const earningsRoute = createRoute({
  method: 'get',
  path: '/v1/reports/earnings',
  operationId: 'getEarningsReport',
  ...allow('admin'),
  tags,
  summary: 'Management earnings per business day (admin)',
  description: 'Every day of the range, days without entries included; at most 366 days.',
  request: { query: EarningsQuery },
  responses: {
    200: json(EarningsSchema, 'One row per business day, oldest first'),
    ...problemResponses(400, 401, 403),
  },
});

const topTasksRoute = createRoute({
  method: 'get',
  path: '/v1/reports/top-tasks',
  operationId: 'getTopTasksReport',
  ...allow('admin'),
  tags,
  summary: 'The most expensive tasks of a day, week, month or range (admin)',
  description:
    'The tasks completed in the period with the highest completion reward, highest first; equal rewards go ' +
    'to the earlier completion. Days are counted in ATES_TIMEZONE.',
  request: { query: TopTasksQuery },
  responses: { 200: json(TopTasksSchema, 'The top tasks'), ...problemResponses(400, 401, 403) },
});

const auditRoute = createRoute({
  method: 'get',
  path: '/v1/reports/audit',
  operationId: 'getAuditReport',
  ...allow('admin'),
  tags,
  summary: "A business day's audit log: every debit, credit and payout (admin)",
  description:
    'Of every employee, oldest first, a page at a time. The day defaults to the business day in progress, ' +
    'as in the summary.',
  request: { query: AuditQuery },
  responses: { 200: json(AuditSchema, 'A page of entries, oldest first'), ...problemResponses(400, 401, 403) },
});

const payoutsRoute = createRoute({
  method: 'get',
  path: '/v1/reports/payouts',
  operationId: 'getPayoutsReport',
  ...allow('admin'),
  tags,
  summary: 'The payouts of a business day (admin)',
  description: 'Of every employee, largest first, with their total. The day defaults to the last one with payouts.',
  request: { query: PayoutsQuery },
  responses: { 200: json(PayoutsSchema, 'The payouts, largest first'), ...problemResponses(400, 401, 403) },
});

export function registerReportRoutes(app: App, { analytics }: ApiDeps) {
  app.openapi(summaryRoute, async (c) => {
    const timeZone = businessTimeZone();
    return c.json({ ...(await summary(analytics, await dayInProgress(analytics, timeZone))), timeZone }, 200);
  });

  app.openapi(earningsRoute, async (c) => {
    const query = c.req.valid('query');
    const to = query.to ?? (await dayInProgress(analytics, businessTimeZone()));
    const from = query.from ?? addDays(to, -13);
    if (from > to) throw badRequest(`from (${from}) must not be after to (${to}).`);
    if (from < addDays(to, -(MAX_EARNINGS_DAYS - 1)))
      throw badRequest(`Ask for at most ${MAX_EARNINGS_DAYS} days at a time.`);
    const items = await earningsByDay(analytics, { from, to });
    const total = items.reduce((sum, day) => sum + day.managementEarningsCents, 0);
    return c.json({ items, managementEarningsCents: total, nextCursor: null }, 200);
  });

  app.openapi(topTasksRoute, async (c) => {
    const { period = 'day', date, from, to, limit } = c.req.valid('query');
    const timeZone = businessTimeZone();
    const range = from && to ? { from, to } : periodOf(period, date ?? today(timeZone));
    const items = await topTasks(analytics, range, timeZone, limit);
    return c.json({ ...range, timeZone, items, nextCursor: null }, 200);
  });

  app.openapi(auditRoute, async (c) => {
    const { date, cursor, limit } = c.req.valid('query');
    const businessDay = date ?? (await dayInProgress(analytics, businessTimeZone()));
    const [, atMs, eventId] = cursor?.match(AUDIT_CURSOR) ?? [];
    const after = atMs && eventId ? { atMs: Number(atMs), eventId } : undefined;
    const { items, next } = await auditLog(analytics, businessDay, { limit, after });
    return c.json({ businessDay, items, nextCursor: next && `${next.atMs}.${next.eventId}` }, 200);
  });

  app.openapi(payoutsRoute, async (c) => {
    const businessDay = c.req.valid('query').date ?? (await lastPayoutDay(analytics));
    const items = businessDay ? await payoutsOf(analytics, businessDay) : [];
    const totalCents = items.reduce((sum, payout) => sum + payout.amountCents, 0);
    return c.json({ businessDay, items, totalCents, nextCursor: null }, 200);
  });
}
