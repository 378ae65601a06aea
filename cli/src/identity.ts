import { Args } from '@oclif/core';
import { AtesCommand, EXIT, type IdLookup } from './base-command.ts';
import type { Schema } from './client.ts';

export type Employee = Schema<'Employee'>;
export type Role = Employee['role'];

/** Roughly what the API takes for an email; it checks again, but a prompt can say so at once. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** An inquirer `validate` for an email answer. */
export const checkEmail = (value: string): true | string =>
  EMAIL.test(value.trim()) || 'An email address, please, like kesha@popug.inc.';

export const ROLES = ['admin', 'manager', 'accountant', 'worker'] as const satisfies readonly Role[];

export const employeeArg = Args.string({
  description: 'the employee’s email or id (a unique start of it will do)',
  required: true,
});

/** Where a short employee id is looked up: the employee list, which only admins may read. */
export const EMPLOYEES: IdLookup = {
  noun: 'employee',
  list: (api, page) => api.GET('/v1/employees', { params: { query: page } }),
};

/** A command about one employee, named by id or email. */
export abstract class EmployeeCommand extends AtesCommand {
  protected async findEmployee(idOrEmail: string): Promise<Employee> {
    if (!idOrEmail.includes('@')) {
      const id = await this.resolveId(idOrEmail, EMPLOYEES);
      return this.call((api) => api.GET('/v1/employees/{id}', { params: { path: { id } } }));
    }
    const { items } = await this.call((api) => api.GET('/v1/employees', { params: { query: { email: idOrEmail } } }));
    const [employee] = items;
    if (!employee) this.error(`No employee with the email ${idOrEmail}.`, { exit: EXIT.notFound });
    return employee;
  }
}
