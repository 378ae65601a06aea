import type { JobsDeps } from '../deps.ts';

/** Subscribes the analytics context's consumers and schedules. */
export async function startAnalyticsWorkers(_deps: JobsDeps): Promise<void> {}
