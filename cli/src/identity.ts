import type { Role } from '@ates/db';
import { Args } from '@oclif/core';
import { AtesCommand, EXIT } from './base-command.ts';

/** What the identity API answers (see api/src/identity/schemas.ts). */
export interface Employee {
  id: string;
  email: string;
  fullName: string;
  role: Role;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ApiKey {
  id: string;
  name: string | null;
  start: string | null;
  enabled: boolean;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export const ROLES = ['admin', 'manager', 'accountant', 'worker'] as const satisfies readonly Role[];

export const employeeArg = Args.string({ description: 'the employee’s id or email', required: true });

/** A command about one employee, named by id or email. */
export abstract class EmployeeCommand extends AtesCommand {
  protected async findEmployee(idOrEmail: string): Promise<Employee> {
    if (!idOrEmail.includes('@'))
      return this.request<Employee>('GET', `/v1/employees/${encodeURIComponent(idOrEmail)}`);
    const { items } = await this.request<{ items: Employee[] }>(
      'GET',
      `/v1/employees?email=${encodeURIComponent(idOrEmail)}`,
    );
    const [employee] = items;
    if (!employee) this.error(`No employee with the email ${idOrEmail}.`, { exit: EXIT.notFound });
    return employee;
  }
}
