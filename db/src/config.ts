import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where aTES keeps its embedded Postgres, its analytics store and its mail outbox. */
export function atesHome(override?: string): string {
  return resolve(override ?? process.env.ATES_HOME ?? join(homedir(), '.ates'));
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
