import { createRoute } from '@hono/zod-openapi';
import type { App } from '../http/env.ts';
import { requireEmployee } from '../http/guard.ts';
import { problemResponses } from '../http/problem.ts';
import { allowPermission, allowSession, requirePermission } from './guard.ts';
import type { Identity } from './identity.ts';
import {
  CreatedEmployeeSchema,
  EmployeeChangesSchema,
  EmployeeListSchema,
  EmployeeSchema,
  IdParams,
  ListEmployeesQuery,
  NewEmployeeSchema,
  ResetPasswordSchema,
} from './schemas.ts';

const json = <T>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const body = <T>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });

const list = createRoute({
  method: 'get',
  path: '/v1/employees',
  operationId: 'listEmployees',
  ...allowPermission({ employee: ['list'] }),
  tags: ['Identity'],
  summary: 'List employees by name (admin)',
  description: 'Deactivated employees too, unless `active` says otherwise. Filter by email, role or `active`.',
  request: { query: ListEmployeesQuery },
  responses: { 200: json(EmployeeListSchema, 'A page of employees'), ...problemResponses(400, 401, 403) },
});

const create = createRoute({
  method: 'post',
  path: '/v1/employees',
  operationId: 'createEmployee',
  ...allowPermission({ employee: ['create'] }),
  tags: ['Identity'],
  summary: 'Create an employee who can sign in (admin)',
  description: 'Publishes Employee.Created in the same transaction. 409 when the email is taken.',
  request: body(NewEmployeeSchema),
  responses: { 201: json(CreatedEmployeeSchema, 'The employee'), ...problemResponses(400, 401, 403, 409, 415) },
});

const show = createRoute({
  method: 'get',
  path: '/v1/employees/{id}',
  operationId: 'getEmployee',
  ...allowPermission({ employee: ['read'] }),
  tags: ['Identity'],
  summary: 'Show one employee (admin)',
  description: 'Deactivated or not (`active`); 404 for an unknown id.',
  request: { params: IdParams },
  responses: { 200: json(EmployeeSchema, 'The employee'), ...problemResponses(400, 401, 403, 404) },
});

const update = createRoute({
  method: 'patch',
  path: '/v1/employees/{id}',
  operationId: 'updateEmployee',
  ...allowPermission({ employee: ['update'] }),
  tags: ['Identity'],
  summary: 'Change an employee’s name, email or role (admin)',
  description:
    'Publishes Employee.Updated in the same transaction when something changed. 409 for a taken email, ' +
    'a deactivated employee, or demoting the last active admin.',
  request: { params: IdParams, ...body(EmployeeChangesSchema) },
  responses: {
    200: json(EmployeeSchema, 'The employee, changed'),
    ...problemResponses(400, 401, 403, 404, 409, 415),
  },
});

const deactivate = createRoute({
  method: 'post',
  path: '/v1/employees/{id}/deactivate',
  operationId: 'deactivateEmployee',
  ...allowPermission({ employee: ['deactivate'] }),
  tags: ['Identity'],
  summary: 'Deactivate an employee (admin)',
  description:
    'The employee can no longer sign in; their sessions end and their API keys stop working. Publishes ' +
    'Employee.Deleted in the same transaction. 409 if already deactivated, yourself, or the last active admin.',
  request: { params: IdParams },
  responses: { 200: json(EmployeeSchema, 'The employee, deactivated'), ...problemResponses(400, 401, 403, 404, 409) },
});

const resetPassword = createRoute({
  method: 'post',
  path: '/v1/employees/{id}/reset-password',
  operationId: 'resetEmployeePassword',
  ...allowSession({ employee: ['reset-password'] }),
  tags: ['Identity'],
  summary: 'Give an employee a one-time password they must change (admin)',
  description:
    'Generates a password, shown once in the answer. Every session of the employee ends; once signed in with it, ' +
    'every /v1 request of theirs but POST /v1/me/password answers 403 until they change it. From a signed-in ' +
    'session only (403 for an API key); 409 for yourself or a deactivated employee.',
  request: { params: IdParams },
  responses: {
    200: json(ResetPasswordSchema, 'The employee and their one-time password'),
    ...problemResponses(400, 401, 403, 404, 409),
  },
});

export function registerEmployeeRoutes(app: App, identity: Identity) {
  app.openapi(list, async (c) => {
    return c.json(await identity.employees.list(c.req.valid('query')), 200);
  });
  app.openapi(create, async (c) => {
    const { employee, generatedPassword } = await identity.employees.create(c.req.valid('json'));
    return c.json(generatedPassword === undefined ? employee : { ...employee, generatedPassword }, 201);
  });
  app.openapi(show, async (c) => {
    return c.json(await identity.employees.get(c.req.valid('param').id), 200);
  });
  app.openapi(update, async (c) => {
    const changes = c.req.valid('json');
    if (changes.role !== undefined) requirePermission(c, { employee: ['set-role'] });
    return c.json(await identity.employees.update(c.req.valid('param').id, changes), 200);
  });
  app.openapi(resetPassword, async (c) => {
    const admin = requireEmployee(c);
    return c.json(await identity.passwords.reset(c.req.valid('param').id, admin.id, c.req.raw.headers), 200);
  });
  app.openapi(deactivate, async (c) => {
    const admin = requireEmployee(c);
    return c.json(await identity.employees.deactivate(c.req.valid('param').id, admin.id), 200);
  });
}
