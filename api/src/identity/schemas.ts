import { z } from '@hono/zod-openapi';
import { text } from '../http/text.ts';
import { ROLES } from './access.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './auth.ts';

const example = {
  id: '3f2b8c1e-5d4a-4e8b-9c7d-1a2b3c4d5e6f',
  email: 'kesha@popug.inc',
  fullName: 'Kesha Popug',
  role: 'worker',
  active: true,
  createdAt: '2026-11-24T15:04:05.000Z',
  updatedAt: '2026-11-24T15:04:05.000Z',
} as const;

const Email = z
  .email('must be an email address')
  .max(254)
  .transform((email) => email.toLowerCase())
  .openapi({ example: example.email });
const FullName = text().trim().min(1, 'must not be empty').max(200).openapi({ example: example.fullName });
const Role = z.enum(ROLES).openapi({ example: example.role });
export const Password = text()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`)
  .openapi({ example: 'correct-horse-battery-staple' });

export const EmployeeSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    fullName: z.string(),
    role: Role,
    active: z.boolean().openapi({ description: 'False once deactivated: no sign-in, tokens or API keys.' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Employee', { example });

export const CreatedEmployeeSchema = EmployeeSchema.extend({
  generatedPassword: z
    .string()
    .optional()
    .openapi({ description: 'Only when no password was sent: the one made for the employee, shown this once.' }),
}).openapi('CreatedEmployee');

export const NewEmployeeSchema = z
  .strictObject({
    email: Email,
    fullName: FullName,
    role: Role,
    password: Password.optional().openapi({ description: 'Leave it out to have a strong one generated.' }),
  })
  .openapi('NewEmployee');

export const EmployeeChangesSchema = z
  .strictObject({ email: Email.optional(), fullName: FullName.optional(), role: Role.optional() })
  .refine((changes) => Object.keys(changes).length > 0, 'send at least one of email, fullName, role')
  .openapi('EmployeeChanges', { example: { role: 'manager' } });

export const ResetPasswordSchema = EmployeeSchema.extend({
  oneTimePassword: z.string().openapi({
    description: 'Shown this once: the employee signs in with it and must then change it before anything else.',
  }),
}).openapi('PasswordReset', { example: { ...example, oneTimePassword: 'vQ7mZ2kT9xLc4RbN8wHs' } });

export const PasswordChangeSchema = z
  .strictObject({
    currentPassword: z.string().min(1).max(PASSWORD_MAX_LENGTH),
    newPassword: Password,
  })
  .openapi('PasswordChange', {
    example: { currentPassword: 'correct-horse-battery-staple', newPassword: 'a-brand-new-password' },
  });

export const PasswordChangedSchema = z
  .object({
    token: z.string().openapi({
      description: 'Every session of yours has ended, this one too: send this new token from now on.',
    }),
  })
  .openapi('PasswordChanged', { example: { token: 'kX9fQ2vR7tLmN4pZ8wYc3bHs6dJe1aGu' } });

export const EmployeeListSchema = z
  .object({ items: z.array(EmployeeSchema), nextCursor: z.string().nullable() })
  .openapi('EmployeeList');

export const ListEmployeesQuery = z.object({
  email: Email.optional().openapi({ description: 'Only the employee with this email.' }),
  role: Role.optional(),
  active: z
    .enum(['true', 'false'])
    .transform((active) => active === 'true')
    .optional()
    .openapi({ description: 'Only active (`true`) or deactivated (`false`) employees.' }),
  cursor: z
    .string()
    .regex(/^[\w-]+$/, 'must be the nextCursor of a previous page')
    .optional()
    .openapi({ description: 'The `nextCursor` of the previous page.' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const IdParams = z.object({
  id: text()
    .min(1)
    .openapi({ param: { name: 'id', in: 'path' }, example: example.id }),
});

const apiKeyExample = {
  id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  name: 'jira-sync',
  start: 'ates_XkP3q9',
  enabled: true,
  createdAt: '2026-11-24T15:04:05.000Z',
  expiresAt: null,
  lastUsedAt: null,
};

export const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    start: z.string().nullable().openapi({ description: 'The first characters, to recognise the key by.' }),
    enabled: z.boolean(),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi('ApiKey', { example: apiKeyExample });

export const CreatedApiKeySchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: 'The key itself, shown this once: send it as `x-api-key`.' }),
}).openapi('CreatedApiKey', {
  example: { ...apiKeyExample, key: 'ates_XkP3q9ujzPdeIgxLdGncfBAepfJBdKhoOOLdKLzdocJisAjIhKtJRlgLKOmxgJTe' },
});

export const NewApiKeySchema = z
  .strictObject({
    name: text().trim().min(1).max(32).openapi({ example: 'jira-sync' }),
    expiresInDays: z.number().int().min(1).max(365).optional().openapi({ description: 'Never expires if left out.' }),
  })
  .openapi('NewApiKey');

export const ApiKeyListSchema = z.object({ items: z.array(ApiKeySchema), nextCursor: z.null() }).openapi('ApiKeyList');

export const SignInSchema = z
  .strictObject({
    email: Email,
    password: text().min(1).max(PASSWORD_MAX_LENGTH),
    rememberMe: z.boolean().optional(),
  })
  .openapi('SignIn');

export const SignedInSchema = z
  .object({
    token: z
      .string()
      .openapi({ description: 'Also in the `set-auth-token` header: send it as `Authorization: Bearer …`.' }),
    user: z
      .object({
        id: z.string(),
        email: z.string(),
        name: z.string(),
        role: Role,
        mustChangePassword: z.boolean().openapi({
          description: 'True after an admin reset: change the password (POST /v1/me/password) before anything else.',
        }),
      })
      .passthrough(),
  })
  .passthrough()
  .openapi('SignedIn');

export type Employee = z.infer<typeof EmployeeSchema>;
export type NewEmployee = z.infer<typeof NewEmployeeSchema>;
export type EmployeeChanges = z.infer<typeof EmployeeChangesSchema>;
export type PasswordChange = z.infer<typeof PasswordChangeSchema>;
export type ListEmployees = z.infer<typeof ListEmployeesQuery>;
export type ApiKey = z.infer<typeof ApiKeySchema>;
export type NewApiKey = z.infer<typeof NewApiKeySchema>;
