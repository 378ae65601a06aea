import type { Role } from '@ates/db/bus';
import { createAccessControl } from 'better-auth/plugins/access';
import { adminAc, defaultStatements } from 'better-auth/plugins/admin/access';

export const ROLES = ['admin', 'manager', 'accountant', 'worker'] as const satisfies readonly Role[];

/**
 * What each role may do in the identity context, as better-auth access-control statements.
 * `user` and `session` are the admin plugin's own resources; `employee` is the directory an
 * admin keeps; `profile` and `apiKey` are what every signed-in employee has for themself.
 */
export const statements = {
  ...defaultStatements,
  employee: ['create', 'list', 'read', 'update', 'set-role', 'deactivate', 'reset-password'],
  profile: ['read'],
  apiKey: ['create', 'list', 'revoke'],
} as const;

export const ac = createAccessControl(statements);

const everyEmployee = { profile: ['read'], apiKey: ['create', 'list', 'revoke'] } as const;

export const roles = {
  admin: ac.newRole({
    ...adminAc.statements,
    ...everyEmployee,
    employee: ['create', 'list', 'read', 'update', 'set-role', 'deactivate', 'reset-password'],
  }),
  manager: ac.newRole({ ...everyEmployee, user: [], session: [] }),
  accountant: ac.newRole({ ...everyEmployee, user: [], session: [] }),
  worker: ac.newRole({ ...everyEmployee, user: [], session: [] }),
} satisfies Record<Role, unknown>;

export type Permissions = Parameters<(typeof roles)['admin']['authorize']>[0];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function can(role: Role, permissions: Permissions): boolean {
  return roles[role].authorize(permissions).success;
}
