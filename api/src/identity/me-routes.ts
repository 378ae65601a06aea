import { createRoute } from '@hono/zod-openapi';
import type { App } from '../http/env.ts';
import { requireEmployee } from '../http/guard.ts';
import { problemResponses } from '../http/problem.ts';
import { CHANGE_PASSWORD_PATH } from './authenticate.ts';
import { allowPermission, allowSession } from './guard.ts';
import type { Identity } from './identity.ts';
import { EmployeeSchema, PasswordChangedSchema, PasswordChangeSchema } from './schemas.ts';

const me = createRoute({
  method: 'get',
  path: '/v1/me',
  operationId: 'getCurrentEmployee',
  ...allowPermission({ profile: ['read'] }),
  tags: ['Identity'],
  summary: 'Who you are signed in as',
  description: 'The employee whose credential this request sent: their id, email, name and role.',
  responses: {
    200: { description: 'You', content: { 'application/json': { schema: EmployeeSchema } } },
    ...problemResponses(401),
  },
});

const changePassword = createRoute({
  method: 'post',
  path: CHANGE_PASSWORD_PATH,
  operationId: 'changePassword',
  ...allowSession({ profile: ['read'] }),
  tags: ['Identity'],
  summary: 'Change your password; every session of yours ends',
  description:
    'Checks the current password (400 when wrong), sets the new one, ends every session of yours, this one ' +
    'included, and answers a new session token. After an admin reset it is the only /v1 route open to you. ' +
    'From a signed-in session only: an API key gets 403.',
  request: { body: { content: { 'application/json': { schema: PasswordChangeSchema } }, required: true } },
  responses: {
    200: { description: 'Changed', content: { 'application/json': { schema: PasswordChangedSchema } } },
    ...problemResponses(400, 401, 403),
  },
});

export function registerMeRoutes(app: App, identity: Identity) {
  app.openapi(me, async (c) => {
    const { id } = requireEmployee(c);
    return c.json(await identity.employees.get(id), 200);
  });
  app.openapi(changePassword, async (c) => {
    const { id } = requireEmployee(c);
    return c.json(await identity.passwords.change(id, c.req.valid('json'), c.req.raw.headers), 200);
  });
}
