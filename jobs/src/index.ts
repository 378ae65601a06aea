import { startAccountingWorkers } from './accounting/index.ts';
import { startAnalyticsWorkers } from './analytics/index.ts';
import type { JobsDeps } from './deps.ts';
import { schedulePurgeOfIdempotencyKeys } from './http/purge-idempotency-keys.ts';
import { startTasksWorkers } from './tasks/index.ts';
import { startWebhookWorkers } from './webhooks/index.ts';

export type { JobsDeps } from './deps.ts';

/**
 * Every consumer and schedule of every context, in one process or several; returns how to stop
 * what runs beside the bus (the webhook sender).
 */
export async function startWorkers(deps: JobsDeps): Promise<() => Promise<void>> {
  await startTasksWorkers(deps);
  await startAccountingWorkers(deps);
  await startAnalyticsWorkers(deps);
  await schedulePurgeOfIdempotencyKeys(deps);
  return startWebhookWorkers(deps);
}
