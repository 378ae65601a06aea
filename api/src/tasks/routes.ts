import { createRoute } from '@hono/zod-openapi';
import type { ApiDeps } from '../deps.ts';
import type { App } from '../http/env.ts';
import { allow, requireEmployee } from '../http/guard.ts';
import { problemResponses } from '../http/problem.ts';
import { completeTask } from './complete.ts';
import { createTask } from './create.ts';
import { editTask } from './edit.ts';
import { getTask, listTasks } from './find.ts';
import { reassignOpenTasks } from './reassign.ts';
import {
  CreateTaskBody,
  ListTasksQuery,
  ReassignResultSchema,
  TaskIdParams,
  TaskListSchema,
  TaskSchema,
  UpdateTaskBody,
} from './schemas.ts';

const json = <T>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

const create = createRoute({
  method: 'post',
  path: '/v1/tasks',
  operationId: 'createTask',
  ...allow(),
  tags: ['Tasks'],
  summary: 'Create a task; it goes to a random worker or accountant other than you',
  description:
    'Anyone signed in may create a task; it never lands on its creator. Its assign fee ($10..$20) and reward ' +
    '($20..$40) are drawn once, here, and the assignee is charged the fee. 409 when nobody else can take it. ' +
    'Workers and accountants create at most ATES_TASKS_PER_HOUR tasks an hour (429 with Retry-After over it).',
  request: { body: { content: { 'application/json': { schema: CreateTaskBody } }, required: true } },
  responses: { 201: json(TaskSchema, 'The task, assigned'), ...problemResponses(400, 401, 409, 415, 429) },
});

const list = createRoute({
  method: 'get',
  path: '/v1/tasks',
  operationId: 'listTasks',
  ...allow(),
  tags: ['Tasks'],
  summary: 'List tasks, newest first',
  description:
    'Managers and admins list every task; workers and accountants only their own. Filter by assignee (id, ' +
    'email or `me`), status, jira id, or text in the title or description (`search`, ignoring case).',
  request: { query: ListTasksQuery },
  responses: { 200: json(TaskListSchema, 'A page of tasks'), ...problemResponses(400, 401, 403) },
});

const show = createRoute({
  method: 'get',
  path: '/v1/tasks/{id}',
  operationId: 'getTask',
  ...allow(),
  tags: ['Tasks'],
  summary: 'Show one task',
  description:
    'Managers and admins see every task; workers and accountants only those assigned to them (404 for others).',
  request: { params: TaskIdParams },
  responses: { 200: json(TaskSchema, 'The task'), ...problemResponses(400, 401, 404) },
});

const edit = createRoute({
  method: 'patch',
  path: '/v1/tasks/{id}',
  operationId: 'editTask',
  ...allow(),
  tags: ['Tasks'],
  summary: "Change an open task's title, jira id or description",
  description:
    'The creator, a manager or an admin may edit; the assignee gets 403, anyone else 404. Prices, assignee and ' +
    'status cannot be edited (400 naming the field). A legacy title `[UP-42] - Fix the beak` is split as on create. ' +
    'Publishes Task.Updated when something changed; 409 for a done task.',
  request: {
    params: TaskIdParams,
    body: { content: { 'application/json': { schema: UpdateTaskBody } }, required: true },
  },
  responses: { 200: json(TaskSchema, 'The task, edited'), ...problemResponses(400, 401, 403, 404, 409) },
});

const complete = createRoute({
  method: 'post',
  path: '/v1/tasks/{id}/complete',
  operationId: 'completeTask',
  ...allow(),
  tags: ['Tasks'],
  summary: 'Mark your task done; its reward is paid to you',
  description: 'Only the current assignee may complete a task, once.',
  request: { params: TaskIdParams },
  responses: { 200: json(TaskSchema, 'The task, done'), ...problemResponses(400, 401, 403, 404, 409) },
});

const reassign = createRoute({
  method: 'post',
  path: '/v1/tasks/reassign',
  operationId: 'reassignOpenTasks',
  ...allow('manager', 'admin'),
  tags: ['Tasks'],
  summary: 'Give every open task to a random worker or accountant',
  description:
    'Managers and admins only. Each open task is charged its assign fee again to whoever receives it, ' +
    'possibly the same employee, never its creator. 409 when no open task can go to anyone but its creator.',
  responses: { 200: json(ReassignResultSchema, 'How many tasks moved'), ...problemResponses(401, 403, 409) },
});

export function registerTaskRoutes(app: App, deps: ApiDeps) {
  app.openapi(create, async (c) => c.json(await createTask(deps, requireEmployee(c), c.req.valid('json')), 201));
  app.openapi(list, async (c) => c.json(await listTasks(deps.db, requireEmployee(c), c.req.valid('query')), 200));
  app.openapi(reassign, async (c) => c.json(await reassignOpenTasks(deps), 200));
  app.openapi(show, async (c) => c.json(await getTask(deps.db, requireEmployee(c), c.req.valid('param').id), 200));
  app.openapi(edit, async (c) =>
    c.json(await editTask(deps, requireEmployee(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );
  app.openapi(complete, async (c) =>
    c.json(await completeTask(deps, requireEmployee(c), c.req.valid('param').id), 200),
  );
}
