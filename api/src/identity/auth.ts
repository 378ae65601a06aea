import { randomBytes } from 'node:crypto';
import { type Database, logger } from '@ates/db';
import { authTables, secret } from '@ates/db/schema/identity';
import { apiKey } from '@better-auth/api-key';
import { type BetterAuthPlugin, betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { admin } from 'better-auth/plugins/admin';
import { bearer } from 'better-auth/plugins/bearer';
import { eq } from 'drizzle-orm';
import { ac, roles } from './access.ts';
import { rateLimitStorage } from './rate-limit.ts';
import { routedDatabase } from './transaction.ts';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 128;
/** Sign-in attempts allowed per client address and account within the window (seconds). */
export const SIGN_IN_LIMIT = { window: 60, max: 10 };
export const API_KEY_PREFIX = 'ates_';
/** Set by the API from the connection, never taken from the client: the rate limiter's address. */
export const CLIENT_IP_HEADER = 'x-ates-client-ip';
export const DEACTIVATED = 'This employee has been deactivated.';

const DAY_SECONDS = 86_400;

/**
 * better-auth for aTES: email + password sign-in (no self sign-up: admins create employees),
 * bearer tokens for the CLI, API keys for integrations, and the admin plugin carrying the four
 * roles. It writes through `routedDatabase`, so identity transactions can enclose its writes.
 */
export function createAuth(db: Database, authSecret: string) {
  return betterAuth({
    appName: 'aTES',
    basePath: '/api/auth',
    secret: authSecret,
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
    rateLimit: {
      enabled: true,
      customRules: { '/sign-in/email': SIGN_IN_LIMIT },
      customStorage: rateLimitStorage(db),
    },
    advanced: {
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
      bearer(),
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

/**
 * The secret better-auth signs tokens with: made once per installation and kept in the identity
 * schema, so every API process of the installation agrees on it and no build ships one.
 */
export async function installationSecret(db: Database): Promise<string> {
  await db
    .insert(secret)
    .values({ name: 'better-auth', value: randomBytes(32).toString('base64url') })
    .onConflictDoNothing();
  const [row] = await db.select({ value: secret.value }).from(secret).where(eq(secret.name, 'better-auth'));
  if (!row) throw new Error('the better-auth secret could not be stored');
  return row.value;
}
