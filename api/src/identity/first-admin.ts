import type { IdentityDeps } from './employees.ts';
import { openIdentity } from './identity.ts';
import type { Employee } from './schemas.ts';
import { NewEmployeeSchema } from './schemas.ts';

export interface FirstAdmin {
  email: string;
  password: string;
  fullName?: string;
}

export class FirstAdminError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FirstAdminError';
  }
}

/**
 * On an installation with no employee yet, creates `admin` as its first admin (publishing
 * Employee.Created); returns it, or undefined when there already are employees.
 */
export async function ensureFirstAdmin(deps: IdentityDeps, admin: FirstAdmin): Promise<Employee | undefined> {
  const parsed = NewEmployeeSchema.safeParse({ ...admin, fullName: admin.fullName ?? 'Administrator', role: 'admin' });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ');
    throw new FirstAdminError(`The first admin is not valid: ${problems}.`);
  }
  const { employees } = openIdentity(deps);
  return employees.createFirstAdmin({ ...parsed.data, role: 'admin' });
}

/** Whether the installation has any employee yet (`ates setup` asks for a first admin if not). */
export async function hasEmployees(deps: IdentityDeps): Promise<boolean> {
  const { employees } = openIdentity(deps);
  return employees.exists();
}
