import { chmod, mkdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where aTES keeps its embedded Postgres, its analytics store and its mail outbox. */
export function atesHome(override?: string): string {
  return resolve(override ?? process.env.ATES_HOME ?? join(homedir(), '.ates'));
}

/**
 * Creates `path` (and what is missing above it) as 0700, or takes group and other access off a
 * folder of ours that has it. A shared folder (sticky, like /tmp) or someone else's is left alone.
 */
export async function makePrivateFolder(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  const { mode, uid } = await stat(path);
  if (mode & 0o077 && !(mode & 0o1000) && uid === process.getuid?.()) await chmod(path, mode & 0o700);
}

/** The business day's time zone: every close-day and every report counts days in it. */
export function businessTimeZone(): string {
  return process.env.ATES_TIMEZONE ?? 'UTC';
}

/**
 * The patient consumers' retries as the environment sets them: `ATES_PATIENT_RETRY_DELAY_SECONDS`,
 * `ATES_PATIENT_RETRY_MAX_DELAY_SECONDS`, `ATES_PATIENT_RETRY_FOR_SECONDS`; unset ones are left out.
 */
export function patientRetryFromEnv(): { delaySeconds?: number; maxDelaySeconds?: number; forSeconds?: number } {
  const variables = {
    delaySeconds: 'ATES_PATIENT_RETRY_DELAY_SECONDS',
    maxDelaySeconds: 'ATES_PATIENT_RETRY_MAX_DELAY_SECONDS',
    forSeconds: 'ATES_PATIENT_RETRY_FOR_SECONDS',
  } as const;
  const policy: { delaySeconds?: number; maxDelaySeconds?: number; forSeconds?: number } = {};
  for (const [field, name] of Object.entries(variables) as [keyof typeof variables, string][]) {
    const text = process.env[name];
    if (text === undefined || text === '') continue;
    const seconds = Number(text);
    if (!Number.isInteger(seconds) || seconds < 1)
      throw new Error(`${name} must be a whole number of seconds ≥ 1, not ${text}`);
    policy[field] = seconds;
  }
  return policy;
}

/** How many tasks a worker or an accountant may create in any hour; managers and admins have no limit. */
export function tasksPerHour(): number {
  const value = process.env.ATES_TASKS_PER_HOUR ?? '60';
  if (!/^\d+$/.test(value)) throw new Error(`ATES_TASKS_PER_HOUR must be a whole number of tasks, not "${value}".`);
  return Number(value);
}
