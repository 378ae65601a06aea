import { isAPIError } from 'better-auth/api';
import { ApiError, badRequest, conflict, TITLES } from '../http/problem.ts';
import type { Auth } from './auth.ts';
import type { CredentialCache } from './credential-cache.ts';
import { generatePassword, type IdentityDeps, lockActive } from './employees.ts';
import type { Employee, PasswordChange } from './schemas.ts';
import { identityTransaction } from './transaction.ts';

/**
 * Passwords through better-auth's own endpoints: `changePassword` for the employee (checks the
 * current one, ends every session and opens a new one) and the admin plugin's `setUserPassword`
 * for a reset. The `mustChangePassword` flag moves in the same transaction as the password.
 */
export function passwordService({ db }: IdentityDeps, auth: Auth, credentials: CredentialCache) {
  return {
    /** The caller's new password; `headers` carry their session. Answers the new session's token. */
    async change(employeeId: string, input: PasswordChange, headers: Headers): Promise<{ token: string }> {
      if (input.newPassword === input.currentPassword) {
        throw badRequest('newPassword: must differ from the current password.');
      }
      const changed = await identityTransaction(db, async () => {
        // The bearer plugin answers the new session as a signed token, the only form that signs in.
        const answered = await betterAuthCall(() =>
          auth.api.changePassword({ body: { ...input, revokeOtherSessions: true }, headers, returnHeaders: true }),
        );
        const token = answered.headers.get('set-auth-token');
        if (!token) throw new Error('better-auth changed the password but opened no new session');
        const { internalAdapter } = await auth.$context;
        await internalAdapter.updateUser(employeeId, { mustChangePassword: false });
        return { token };
      });
      await credentials.forgetEverywhere(`password of ${employeeId} changed`);
      return changed;
    },

    /**
     * Gives the employee a generated one-time password, shown once, which they must change at
     * their next sign-in; every session of theirs ends now. `headers` carry the admin's session.
     */
    async reset(id: string, adminId: string, headers: Headers): Promise<Employee & { oneTimePassword: string }> {
      if (id === adminId) throw conflict('Change your own password with `ates password change`, not a reset.');
      const reset = await identityTransaction(db, async (tx) => {
        const employee = await lockActive(tx, id);
        const oneTimePassword = generatePassword();
        await betterAuthCall(() =>
          auth.api.setUserPassword({ body: { userId: id, newPassword: oneTimePassword }, headers }),
        );
        const { internalAdapter } = await auth.$context;
        await internalAdapter.updateUser(id, { mustChangePassword: true });
        await internalAdapter.deleteUserSessions(id);
        return { ...employee, oneTimePassword };
      });
      await credentials.forgetEverywhere(`password of ${id} reset`);
      return reset;
    },
  };
}

export type PasswordService = ReturnType<typeof passwordService>;

const WRONG_PASSWORD = 'INVALID_PASSWORD';

/** better-auth's own refusals become our problems; a wrong current password is bad input, not a lost session. */
async function betterAuthCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!isAPIError(error)) throw error;
    const { code, message } = (error.body ?? {}) as { code?: string; message?: string };
    if (code === WRONG_PASSWORD) throw badRequest('currentPassword: that is not your current password.');
    const status = error.statusCode as ApiError['status'];
    const title = TITLES[status] ?? 'Error';
    throw new ApiError(status, title, message ?? title, code ? { code } : {});
  }
}
