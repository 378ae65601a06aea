import { type Database, logger } from '@ates/db';
import { authTables } from '@ates/db/schema';
import { apiKey } from '@better-auth/api-key';
import { type BetterAuthPlugin, betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { admin } from 'better-auth/plugins/admin';
import { bearer } from 'better-auth/plugins/bearer';
import type { ApiSettings } from '../deps.ts';
import { ac, roles } from './access.ts';
import type { CredentialCache } from './credential-cache.ts';
import { rateLimitStorage } from './rate-limit.ts';
import { routedDatabase } from './transaction.ts';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 128;
export const API_KEY_PREFIX = 'ates_';
/** Set by the API from the connection, never taken from the client: the rate limiter's address. */
export const CLIENT_IP_HEADER = 'x-ates-client-ip';
export const DEACTIVATED = 'This employee has been deactivated.';

const DAY_SECONDS = 86_400;

/**
 * better-auth for aTES: email + password sign-in (no self sign-up: admins create employees),
 * signed bearer tokens for the CLI, API keys for integrations, and the admin plugin carrying the
 * four roles. It writes through `routedDatabase`, so identity transactions can enclose its
 * writes. Every session it ends empties the credential caches.
 */
export function createAuth(db: Database, settings: ApiSettings, credentials: CredentialCache) {
  return betterAuth({
    appName: 'aTES',
    baseURL: settings.publicUrl,
    trustedOrigins: [settings.publicUrl],
    basePath: '/api/auth',
    secret: settings.authSecret,
    database: drizzleAdapter(routedDatabase(db), { provider: 'pg', schema: authTables, transaction: true }),
    emailAndPassword: {
      enabled: true,
      disableSignUp: true,
      minPasswordLength: PASSWORD_MIN_LENGTH,
      maxPasswordLength: PASSWORD_MAX_LENGTH,
    },
    user: {
      additionalFields: { mustChangePassword: { type: 'boolean', required: false, defaultValue: false, input: false } },
    },
    session: { expiresIn: 7 * DAY_SECONDS, updateAge: DAY_SECONDS },
    databaseHooks: {
      session: { delete: { after: () => credentials.forgetEverywhere('a session ended') } },
    },
    rateLimit: {
      enabled: true,
      // The sign-in route keeps budgets of its own, per account and per address (sign-in-limit.ts).
      customRules: { '/sign-in/email': false },
      customStorage: rateLimitStorage(db),
    },
    advanced: {
      // better-auth skips its origin check under a test runner; aTES wants it wherever it runs.
      disableOriginCheck: false,
      database: { generateId: 'uuid' },
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
    },
    telemetry: { enabled: false },
    logger: {
      level: 'warn',
      log: (level, message, ...args) => logger[level]({ args }, `better-auth: ${message}`),
    },
    plugins: [
      admin({ ac, roles, defaultRole: 'worker', adminRoles: ['admin'], bannedUserMessage: DEACTIVATED }),
      bearer({ requireSignature: true }),
      apiKeys(),
    ],
  });
}

export type Auth = ReturnType<typeof createAuth>;

/**
 * @better-auth/api-key 1.7.5 pins @better-auth/utils 0.4.2, so it is installed with its own copy
 * of @better-auth/core whose types do not line up with better-auth's (at run time both share
 * better-auth's global state): the plugin is typed as what it is, and as a plugin of ours.
 */
function apiKeys() {
  const plugin = apiKey({
    defaultPrefix: API_KEY_PREFIX,
    startingCharactersConfig: { charactersLength: API_KEY_PREFIX.length + 6 },
    rateLimit: { enabled: false },
    keyExpiration: { defaultExpiresIn: null, minExpiresIn: 1, maxExpiresIn: 365 },
  });
  return plugin as unknown as Omit<typeof plugin, 'hooks'> & Pick<BetterAuthPlugin, 'hooks'>;
}
