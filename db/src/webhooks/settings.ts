/** How webhooks are delivered: every figure has a production default and an environment override. */
export interface WebhookSettings {
  /** Host names and addresses an endpoint may use even when they are loopback or private. */
  allowHosts: string[];
  /** A PEM file of extra certificate authorities trusted for deliveries (besides the system's). */
  caFile: string | undefined;
  /** A delivery fails when the whole answer has not come within this. */
  timeoutMs: number;
  /** The first retry's delay; each retry doubles it, up to `retryMaxDelayMs`, with jitter. */
  retryBaseMs: number;
  retryMaxDelayMs: number;
  /** How long a delivery is retried, and how long an endpoint may fail before it is disabled. */
  retryForMs: number;
  /** POSTs in flight to one endpoint at once, per sending process. */
  concurrency: number;
}

const DAY_MS = 86_400_000;

export function webhookSettings(env: NodeJS.ProcessEnv = process.env): WebhookSettings {
  const number = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not ${env[name]}`);
    return value;
  };
  return {
    allowHosts: (env.ATES_WEBHOOK_ALLOW_HOSTS ?? '')
      .split(',')
      .map((host) => host.trim().toLowerCase())
      .filter(Boolean),
    caFile: env.ATES_WEBHOOK_CA_FILE || undefined,
    timeoutMs: number('ATES_WEBHOOK_TIMEOUT_MS', 10_000),
    retryBaseMs: number('ATES_WEBHOOK_RETRY_BASE_MS', 5_000),
    retryMaxDelayMs: number('ATES_WEBHOOK_RETRY_MAX_DELAY_MS', 2 * 3_600_000),
    retryForMs: number('ATES_WEBHOOK_RETRY_FOR_MS', 3 * DAY_MS),
    concurrency: number('ATES_WEBHOOK_CONCURRENCY', 32),
  };
}
