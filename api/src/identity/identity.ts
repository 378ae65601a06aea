import type { ApiSettings } from '../deps.ts';
import { type ApiKeyService, apiKeyService } from './api-keys.ts';
import { type Auth, createAuth } from './auth.ts';
import { CredentialCache } from './credential-cache.ts';
import { type EmployeeDirectory, employeeDirectory, type IdentityDeps } from './employees.ts';
import { type PasswordService, passwordService } from './passwords.ts';
import { signInLimit } from './sign-in-limit.ts';

/** The identity context of one process: better-auth and the services built on it. */
export interface Identity {
  auth: Auth;
  settings: ApiSettings;
  credentials: CredentialCache;
  signInLimit: ReturnType<typeof signInLimit>;
  employees: EmployeeDirectory;
  apiKeys: ApiKeyService;
  passwords: PasswordService;
}

export function openIdentity(deps: IdentityDeps): Identity {
  const credentials = new CredentialCache(deps.db);
  const auth = createAuth(deps.db, deps.settings, credentials);
  return {
    auth,
    settings: deps.settings,
    credentials,
    signInLimit: signInLimit(deps.db),
    employees: employeeDirectory(deps, auth, credentials),
    apiKeys: apiKeyService(deps, auth, credentials),
    passwords: passwordService(deps, auth, credentials),
  };
}
