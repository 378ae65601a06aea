import { businessTimeZone } from '@ates/db';
import { assertTimeZone } from '@ates/db/accounting';
import { createRoute } from '@hono/zod-openapi';
import type { ApiDeps } from '../deps.ts';
import type { App } from '../http/env.ts';
import { allow, requireEmployee } from '../http/guard.ts';
import { problemResponses } from '../http/problem.ts';
import {
  AccountListSchema,
  AccountSchema,
  AccountsQuery,
  AuditLogSchema,
  AuditQuery,
  BusinessDaySchema,
  CloseDayBody,
  ClosedDaySchema,
  closedDayExamples,
  DayParams,
  EarningsQuery,
  EarningsSchema,
  EmployeeParams,
  PayoutListSchema,
  PayoutsQuery,
} from './schemas.ts';
import {
  auditLog,
  closeDay,
  earnings,
  getAccount,
  getBusinessDay,
  listAccounts,
  listPayouts,
  SEES_EVERYONE,
} from './service.ts';

const json = <T>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const tags = ['Accounting'];

const accounts = createRoute({
  method: 'get',
  path: '/v1/accounts',
  operationId: 'listAccounts',
  ...allow(...SEES_EVERYONE),
  tags,
  summary: "Every employee's balance, with totals (admin, accountant)",
  description:
    'Sorted by name or balance, either way; `balance=negative` keeps the accounts in debt, `balance=positive` ' +
    'those the close will pay out. The totals (count, sum of positive and of negative balances) cover every ' +
    'matching account, not only the page.',
  request: { query: AccountsQuery },
  responses: { 200: json(AccountListSchema, 'A page of accounts'), ...problemResponses(400, 401, 403) },
});

const account = createRoute({
  method: 'get',
  path: '/v1/accounts/{employeeId}',
  operationId: 'getAccount',
  ...allow(),
  tags,
  summary: "An employee's balance",
  description: 'Workers and managers see only their own (`me`); admins and accountants see everyone’s.',
  request: { params: EmployeeParams },
  responses: { 200: json(AccountSchema, 'The account'), ...problemResponses(400, 401, 404) },
});

const audit = createRoute({
  method: 'get',
  path: '/v1/accounts/{employeeId}/audit',
  operationId: 'getAccountAuditLog',
  ...allow(),
  tags,
  summary: "An employee's audit log: every debit, credit and payout",
  description:
    'Oldest first, each with its time, amount and the task’s jira id, title and description. Filter by one ' +
    'business day (`date`) or a range (`from`, `to`). Workers and managers see only their own.',
  request: { params: EmployeeParams, query: AuditQuery },
  responses: { 200: json(AuditLogSchema, 'A page of the audit log'), ...problemResponses(400, 401, 404) },
});

const companyEarnings = createRoute({
  method: 'get',
  path: '/v1/earnings',
  operationId: 'getCompanyEarnings',
  ...allow(...SEES_EVERYONE),
  tags,
  summary: "The company's earnings per business day",
  description:
    'What top management earned each day: assign fees less rewards. Every day of the range appears. ' +
    'Admins and accountants only.',
  request: { query: EarningsQuery },
  responses: { 200: json(EarningsSchema, 'Earnings per day'), ...problemResponses(400, 401, 403) },
});

const close = createRoute({
  method: 'post',
  path: '/v1/business-days/close',
  operationId: 'closeBusinessDay',
  ...allow(...SEES_EVERYONE),
  tags,
  summary: 'Close a business day: pay out every positive balance',
  description:
    'Without a date, today (in ATES_TIMEZONE) is closed at once, and what is posted after belongs to the next ' +
    'day (`dayInProgress`), paid at its close. Asked again the same day, it answers `alreadyClosed: true` and ' +
    'pays nothing. Each positive balance is paid out (and mailed by the workers); a negative one carries over. ' +
    'No day after today is ever closed: a later date is a 409. Admins and accountants only.',
  request: { body: { content: { 'application/json': { schema: CloseDayBody } }, required: false } },
  responses: {
    200: {
      description: 'The closed day and its payouts',
      content: { 'application/json': { schema: ClosedDaySchema, examples: closedDayExamples } },
    },
    ...problemResponses(400, 401, 403, 409, 415),
  },
});

const businessDay = createRoute({
  method: 'get',
  path: '/v1/business-days/{date}',
  operationId: 'getBusinessDay',
  ...allow(...SEES_EVERYONE),
  tags,
  summary: 'Where a business day stands: open or closed, its payouts and their emails',
  description: 'Admins and accountants only.',
  request: { params: DayParams },
  responses: { 200: json(BusinessDaySchema, 'The business day'), ...problemResponses(400, 401, 403) },
});

const payouts = createRoute({
  method: 'get',
  path: '/v1/payouts',
  operationId: 'listPayouts',
  ...allow(),
  tags,
  summary: 'The payouts of a business day',
  description:
    'By employee id, with where each email went once sent. Default: the last closed day. Workers and ' +
    'managers see only their own payout.',
  request: { query: PayoutsQuery },
  responses: { 200: json(PayoutListSchema, 'A page of payouts'), ...problemResponses(400, 401) },
});

export function registerAccountingRoutes(app: App, deps: ApiDeps) {
  assertTimeZone(businessTimeZone());
  app.openapi(accounts, async (c) => {
    return c.json(await listAccounts(deps.db, c.req.valid('query')), 200);
  });
  app.openapi(account, async (c) =>
    c.json(await getAccount(deps.db, requireEmployee(c), c.req.valid('param').employeeId), 200),
  );
  app.openapi(audit, async (c) =>
    c.json(await auditLog(deps.db, requireEmployee(c), c.req.valid('param').employeeId, c.req.valid('query')), 200),
  );
  app.openapi(companyEarnings, async (c) => c.json(await earnings(deps.db, c.req.valid('query')), 200));
  app.openapi(close, async (c) => c.json(await closeDay(deps, requireEmployee(c), c.req.valid('json')?.date), 200));
  app.openapi(businessDay, async (c) => c.json(await getBusinessDay(deps.db, c.req.valid('param').date), 200));
  app.openapi(payouts, async (c) => c.json(await listPayouts(deps.db, requireEmployee(c), c.req.valid('query')), 200));
}
