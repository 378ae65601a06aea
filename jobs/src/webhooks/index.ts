import { FAN_OUT_CONSUMER } from '@ates/db/bus';
import { webhookSettings } from '@ates/db/webhooks';
import type { JobsDeps } from '../deps.ts';
import { fanOutHandler } from './fan-out.ts';
import { WebhookSender } from './sender.ts';

/** Subscribes the fan-out consumer and starts this process's sender; returns how to stop it. */
export async function startWebhookWorkers(deps: Pick<JobsDeps, 'db' | 'bus'>): Promise<() => Promise<void>> {
  const settings = webhookSettings();
  const sender = new WebhookSender(deps.db, settings);
  await deps.bus.subscribe(
    FAN_OUT_CONSUMER,
    fanOutHandler(settings.retryForMs, () => sender.poke()),
  );
  sender.start();
  return () => sender.stop();
}
