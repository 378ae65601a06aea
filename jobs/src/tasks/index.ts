import type { JobsDeps } from '../deps.ts';

/** Subscribes the tasks context's consumers and schedules. */
export async function startTasksWorkers(_deps: JobsDeps): Promise<void> {}
