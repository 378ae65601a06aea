import type { JobsDeps } from '../deps.ts';
import { subscribeProjection } from './project-events.ts';

/** Subscribes the analytics context's consumers and schedules. */
export async function startAnalyticsWorkers(deps: JobsDeps): Promise<void> {
  await subscribeProjection(deps);
}
