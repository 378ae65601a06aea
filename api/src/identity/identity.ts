import { type ApiKeyService, apiKeyService } from './api-keys.ts';
import { type Auth, createAuth, installationSecret } from './auth.ts';
import { type EmployeeDirectory, employeeDirectory, type IdentityDeps } from './employees.ts';
import { type PasswordService, passwordService } from './passwords.ts';

/** The identity context of one process: better-auth and the services built on it. */
export interface Identity {
  auth: Auth;
  employees: EmployeeDirectory;
  apiKeys: ApiKeyService;
  passwords: PasswordService;
}

export async function openIdentity(deps: IdentityDeps): Promise<Identity> {
  const auth = createAuth(deps.db, await installationSecret(deps.db));
  return {
    auth,
    employees: employeeDirectory(deps, auth),
    apiKeys: apiKeyService(deps, auth),
    passwords: passwordService(deps, auth),
  };
}

/** Opens the identity context on first use and shares it, so building the app stays synchronous. */
export function lazyIdentity(deps: IdentityDeps): () => Promise<Identity> {
  let opening: Promise<Identity> | undefined;
  return () => {
    opening ??= openIdentity(deps).catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    return opening;
  };
}
