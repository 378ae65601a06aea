import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Database, logger } from '@ates/db';
import { sql } from 'drizzle-orm';
import { SettingsError } from '../settings.ts';

export const AUTH_SECRET_FILE = 'auth-secret';
/** better-auth refuses shorter secrets in production and warns about them elsewhere. */
const MIN_LENGTH = 32;

/**
 * The secret better-auth signs session tokens and cookies with: `ATES_AUTH_SECRET` when set,
 * else `<home>/auth-secret` (mode 0600), made on first start. An installation from before the
 * file kept it in the `identity.secret` table: it is moved to the file once, so sessions stay
 * valid, and the table goes with the next migration. Call it before migrating.
 */
export async function loadAuthSecret(home: string, db: Database, env = process.env): Promise<string> {
  const fromEnv = env.ATES_AUTH_SECRET;
  if (fromEnv !== undefined) {
    if (fromEnv.length < MIN_LENGTH)
      throw new SettingsError(`ATES_AUTH_SECRET needs at least ${MIN_LENGTH} characters.`);
    return fromEnv;
  }
  const file = join(home, AUTH_SECRET_FILE);
  const existing = await readSecretFile(file);
  if (existing !== undefined) return existing;
  const legacy = await legacySecret(db);
  await mkdir(home, { recursive: true, mode: 0o700 });
  try {
    await writeFile(file, `${legacy ?? randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    if (legacy !== undefined) logger.info({ file }, 'moved the auth secret out of the database');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const written = await readSecretFile(file);
  if (written === undefined) throw new SettingsError(`${file} could not be written.`);
  return written;
}

async function readSecretFile(file: string): Promise<string | undefined> {
  try {
    const { mode } = await stat(file);
    if ((mode & 0o077) !== 0) throw new SettingsError(`${file} is readable by others: chmod 600 ${file}.`);
    const secret = (await readFile(file, 'utf8')).trim();
    if (secret.length < MIN_LENGTH) throw new SettingsError(`${file} holds fewer than ${MIN_LENGTH} characters.`);
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function legacySecret(db: Database): Promise<string | undefined> {
  const [table] = await db.execute<{ found: boolean }>(sql`select to_regclass('identity.secret') is not null as found`);
  if (!table?.found) return undefined;
  const [row] = await db.execute<{ value: string }>(sql`select value from identity.secret where name = 'better-auth'`);
  return row?.value;
}
