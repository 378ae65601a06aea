import type { JobsDeps } from '../deps.ts';

/** Subscribes the accounting context's consumers and schedules. */
export async function startAccountingWorkers(_deps: JobsDeps): Promise<void> {}
