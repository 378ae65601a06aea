import { JIRA_ID } from '@ates/db/bus';
import { z } from '@hono/zod-openapi';
import { multilineText, text, uuid } from '../http/text.ts';

const example = {
  id: '0f8e4c52-7d1a-4a55-9a57-3c1b2f0e9d11',
  title: 'Fix the beak',
  jiraId: 'UP-42',
  description: 'The beak squeaks on Mondays.',
  status: 'open',
  assignFeeCents: 1500,
  rewardCents: 3200,
  assigneeId: 'e7Qk2vXw9Lz',
  assigneeName: 'Kesha Popug',
  createdBy: 'a1Bc3dEf5Gh',
  createdAt: '2026-11-24T15:04:05.000Z',
  completedAt: null,
} as const;

export const TaskSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    jiraId: z.string().nullable(),
    description: z.string().nullable(),
    status: z.enum(['open', 'done']),
    assignFeeCents: z.number().int().openapi({ description: 'Charged to the assignee on every assignment.' }),
    rewardCents: z.number().int().openapi({ description: 'Paid to the assignee on completion.' }),
    assigneeId: z.string(),
    assigneeName: z.string(),
    createdBy: z.string(),
    createdAt: z.string(),
    completedAt: z.string().nullable(),
  })
  .openapi('Task', { example });

const Title = text().trim().min(1).max(300).openapi({
  description: 'No `[` or `]`. The old form `[UP-42] - Fix the beak` is split into jiraId and title.',
  example: 'Fix the beak',
});
const JiraId = z.string().regex(JIRA_ID, 'must look like UP-42').openapi({ example: 'UP-42' });
const Description = multilineText().max(10_000).openapi({ example: 'The beak squeaks on Mondays.' });

export const CreateTaskBody = z
  .strictObject({ title: Title, jiraId: JiraId.optional(), description: Description.optional() })
  .openapi('CreateTask');

/** Fields a task has that an edit may not touch: its prices are drawn once, the rest has its own routes. */
const NOT_EDITABLE = new Set(['assignFeeCents', 'rewardCents', 'assigneeId', 'assigneeName', 'status', 'completedAt']);
const EDITABLE = ['title', 'jiraId', 'description'] as const;

export const UpdateTaskBody = z
  .strictObject(
    {
      title: Title.optional(),
      jiraId: JiraId.nullable().optional().openapi({ description: '`null` removes it.' }),
      description: Description.nullable().optional().openapi({ description: '`null` removes it.' }),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `${issue.keys
              .map((key) =>
                NOT_EDITABLE.has(key) ? `${key} cannot be edited` : `${key} is not a field of a task edit`,
              )
              .join('; ')} (only ${EDITABLE.join(', ')} can be changed)`
          : undefined,
    },
  )
  .refine((body) => EDITABLE.some((field) => body[field] !== undefined), {
    message: `send at least one of ${EDITABLE.join(', ')}`,
  })
  .openapi('UpdateTask', { example: { title: 'Fix the beak, gently', description: null } });

export const ListTasksQuery = z.strictObject({
  status: z.enum(['open', 'done']).optional(),
  assignee: text().min(1).max(254).optional().openapi({
    description: 'An employee id or email, or `me`. Workers and accountants may only ask for their own tasks.',
    example: 'me',
  }),
  jiraId: JiraId.optional().openapi({ description: 'Only the tasks of this jira issue.' }),
  search: text().trim().min(1).max(200).optional().openapi({
    description: 'Only tasks whose title or description contains this text, ignoring case.',
    example: 'beak',
  }),
  cursor: uuid().optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const TaskListSchema = z
  .object({ items: z.array(TaskSchema), nextCursor: z.string().nullable() })
  .openapi('TaskList', { example: { items: [example], nextCursor: null } });

export const TaskIdParams = z.object({
  id: uuid().openapi({ param: { name: 'id', in: 'path' }, example: example.id }),
});

export const ReassignResultSchema = z
  .object({
    movedTasks: z.number().int().openapi({ description: 'Open tasks given a new (possibly the same) assignee.' }),
    employees: z.number().int().openapi({ description: 'Distinct employees who received tasks.' }),
  })
  .openapi('ReassignResult', { example: { movedTasks: 1204, employees: 57 } });

export type Task = z.infer<typeof TaskSchema>;
export type CreateTaskInput = z.infer<typeof CreateTaskBody>;
export type UpdateTaskInput = z.infer<typeof UpdateTaskBody>;
export type ListTasksInput = z.infer<typeof ListTasksQuery>;
export type ReassignResult = z.infer<typeof ReassignResultSchema>;
