import { randomBytes } from 'node:crypto';
import { ADVISORY_LOCKS, type Executor } from '@ates/db';
import type { EventName } from '@ates/db/bus';
import { apikey, user } from '@ates/db/schema';
import { and, asc, count, eq, type SQL, sql } from 'drizzle-orm';
import type { ApiDeps } from '../deps.ts';
import { badRequest, conflict, notFound } from '../http/problem.ts';
import { isUuid, text } from '../http/text.ts';
import type { Auth } from './auth.ts';
import type { CredentialCache } from './credential-cache.ts';
import type { Employee, EmployeeChanges, ListEmployees, NewEmployee } from './schemas.ts';
import { identityTransaction } from './transaction.ts';

export type IdentityDeps = Pick<ApiDeps, 'db' | 'bus' | 'settings'>;
type EmployeeEvent = Extract<EventName, `Employee.${string}`>;

/**
 * The employee directory an admin keeps. better-auth writes the user and credential rows
 * through its adapter inside an identity transaction, and the Employee event is published in
 * that same transaction: a change and its event commit together or not at all.
 */
export function employeeDirectory({ db, bus }: IdentityDeps, auth: Auth, credentials: CredentialCache) {
  const publish = (tx: Executor, name: EmployeeEvent, employee: Employee) =>
    bus.publish(tx, 'identity', [{ name, data: eventData(employee) }]);

  async function insert(tx: Executor, input: NewEmployee): Promise<{ employee: Employee; generatedPassword?: string }> {
    await assertEmailFree(tx, input.email);
    const generatedPassword = input.password === undefined ? generatePassword() : undefined;
    const { user: created } = await auth.api.createUser({
      body: {
        email: input.email,
        name: input.fullName,
        role: input.role,
        password: input.password ?? generatedPassword,
      },
    });
    const employee = await read(tx, created.id);
    await publish(tx, 'Employee.Created', employee);
    return generatedPassword === undefined ? { employee } : { employee, generatedPassword };
  }

  return {
    create(input: NewEmployee) {
      return withUniqueEmail(identityTransaction(db, (tx) => insert(tx, input)));
    },

    /** Creates the first admin if there is no employee yet; safe when several processes start at once. */
    createFirstAdmin(input: NewEmployee & { role: 'admin' }): Promise<Employee | undefined> {
      return identityTransaction(db, async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${ADVISORY_LOCKS.firstAdmin})`);
        const [existing] = await tx.select({ n: count() }).from(user);
        if ((existing?.n ?? 0) > 0) return undefined;
        return (await insert(tx, input)).employee;
      });
    },

    async update(id: string, changes: EmployeeChanges) {
      const { after, changed } = await withUniqueEmail(
        identityTransaction(db, async (tx) => {
          const before = await lockActive(tx, id);
          if (changes.email !== undefined && changes.email !== before.email) await assertEmailFree(tx, changes.email);
          if (before.role === 'admin' && changes.role !== undefined && changes.role !== 'admin') {
            await assertAnotherAdmin(tx, id);
          }
          const { internalAdapter } = await auth.$context;
          const { fullName: name, email, role } = changes;
          await internalAdapter.updateUser(id, definedOnly({ name, email, role }));
          const after = await read(tx, id);
          const changed =
            after.email !== before.email || after.fullName !== before.fullName || after.role !== before.role;
          if (changed) await publish(tx, 'Employee.Updated', after);
          return { after, changed };
        }),
      );
      if (changed) await credentials.forgetEverywhere(`employee ${id} changed`);
      return after;
    },

    /** Keeps the employee out from now on: no sign-in, every session ended, every API key disabled. */
    async deactivate(id: string, actorId: string) {
      const after = await identityTransaction(db, async (tx) => {
        const before = await lockActive(tx, id);
        if (id === actorId) throw conflict('You cannot deactivate yourself: ask another admin.');
        if (before.role === 'admin') await assertAnotherAdmin(tx, id);
        const { internalAdapter } = await auth.$context;
        await internalAdapter.updateUser(id, { banned: true, banReason: 'deactivated' });
        await internalAdapter.deleteUserSessions(id);
        await tx.update(apikey).set({ enabled: false, updatedAt: new Date() }).where(eq(apikey.referenceId, id));
        const after = await read(tx, id);
        await publish(tx, 'Employee.Deleted', after);
        return after;
      });
      await credentials.forgetEverywhere(`employee ${id} deactivated`);
      return after;
    },

    async get(id: string): Promise<Employee> {
      return read(db, id);
    },

    async list(query: ListEmployees): Promise<{ items: Employee[]; nextCursor: string | null }> {
      const filters: SQL[] = [];
      if (query.email) filters.push(eq(user.email, query.email));
      if (query.role) filters.push(eq(user.role, query.role));
      if (query.active !== undefined)
        filters.push(query.active ? sql`${user.banned} is not true` : eq(user.banned, true));
      if (query.cursor) {
        const [name, id] = decodeCursor(query.cursor);
        filters.push(sql`(${user.name}, ${user.id}) > (${name}, ${id}::uuid)`);
      }
      const rows = await db
        .select()
        .from(user)
        .where(and(...filters))
        .orderBy(asc(user.name), asc(user.id))
        .limit(query.limit + 1);
      const items = rows.slice(0, query.limit).map(toEmployee);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null };
    },

    async exists(): Promise<boolean> {
      const [row] = await db.select({ n: count() }).from(user);
      return (row?.n ?? 0) > 0;
    },
  };
}

export type EmployeeDirectory = ReturnType<typeof employeeDirectory>;

async function read(tx: Executor, id: string): Promise<Employee> {
  if (!isUuid(id)) throw notFound(`No employee ${id}.`);
  const [row] = await tx.select().from(user).where(eq(user.id, id));
  if (!row) throw notFound(`No employee ${id}.`);
  return toEmployee(row);
}

/** A strong password for an employee to be told once: 120 random bits. */
export const generatePassword = () => randomBytes(15).toString('base64url');

/** Serialises changes to employees, then reads the one to change, which must still be active. */
export async function lockActive(tx: Executor, id: string): Promise<Employee> {
  await tx.execute(sql`select pg_advisory_xact_lock(${ADVISORY_LOCKS.employeeChanges})`);
  const employee = await read(tx, id);
  if (!employee.active) throw conflict(`${employee.fullName} has been deactivated and can no longer be changed.`);
  return employee;
}

async function assertEmailFree(tx: Executor, email: string): Promise<void> {
  const [taken] = await tx.select({ id: user.id }).from(user).where(eq(user.email, email));
  if (taken) throw conflict(`An employee with the email ${email} already exists.`);
}

/** Under the changes lock, so two admins cannot demote or deactivate each other at once. */
async function assertAnotherAdmin(tx: Executor, id: string): Promise<void> {
  const admins = await tx
    .select({ id: user.id })
    .from(user)
    .where(and(eq(user.role, 'admin'), sql`${user.banned} is not true`));
  if (!admins.some((admin) => admin.id !== id)) {
    throw conflict('This is the last active admin: make another employee an admin first.');
  }
}

/** Two concurrent creates with one email: the loser hits the unique index and gets the same 409. */
async function withUniqueEmail<T>(change: Promise<T>): Promise<T> {
  try {
    return await change;
  } catch (error) {
    const cause = (error as { cause?: { code?: string; constraint_name?: string } }).cause ?? error;
    const { code, constraint_name } = cause as { code?: string; constraint_name?: string };
    if (code === '23505' && constraint_name === 'user_email_unique') {
      throw conflict('An employee with this email already exists.');
    }
    throw error;
  }
}

function toEmployee(row: typeof user.$inferSelect): Employee {
  return {
    id: row.id,
    email: row.email,
    fullName: row.name,
    role: row.role as Employee['role'],
    active: row.banned !== true,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function definedOnly<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function eventData(employee: Employee) {
  return { employee_id: employee.id, full_name: employee.fullName, role: employee.role, email: employee.email };
}

function encodeCursor(employee: Employee): string {
  return Buffer.from(JSON.stringify([employee.fullName, employee.id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const [name, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof name === 'string' && text().safeParse(name).success && typeof id === 'string' && isUuid(id)) {
      return [name, id];
    }
  } catch {}
  throw badRequest('cursor: not one this API gave out; start again without it.');
}
