import { timingSafeEqual } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ApiDeps } from '../deps.ts';
import type { App, AppEnv } from '../http/env.ts';
import { allow } from '../http/guard.ts';
import { problemResponses } from '../http/problem.ts';
import { readOperationsState, readWebhookState } from './state.ts';

/**
 * What an operator scrapes at /metrics, in the Prometheus text format: the HTTP traffic this
 * process served, and the state of the bus, the ledger's calendar and the read side, which every
 * API process reads from Postgres at scrape time (so any one of them tells the whole story).
 */
export interface Metrics {
  registry: Registry;
  requests: Counter;
  duration: Histogram;
  /** Reads the bus, calendar and rebuild gauges afresh: called at each scrape. */
  refresh(): Promise<void>;
}

export function createMetrics(deps: Pick<ApiDeps, 'db' | 'bus'>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ates_' });
  const requests = new Counter({
    name: 'ates_http_requests_total',
    help: 'HTTP requests served, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'ates_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const consumer = (name: string, help: string) =>
    new Gauge({ name, help, labelNames: ['consumer'], registers: [registry] });
  const queued = consumer('ates_consumer_queued_deliveries', 'Deliveries waiting for a consumer, retries included.');
  const retrying = consumer('ates_consumer_retrying_deliveries', 'Deliveries that failed and wait for their next try.');
  const dead = consumer('ates_consumer_dead_letters', 'Deliveries that exhausted their retries, until redriven.');
  const oldest = consumer(
    'ates_consumer_oldest_unapplied_seconds',
    'Age of the oldest delivery a consumer has not applied yet; 0 when it is caught up.',
  );
  const outbox = new Gauge({
    name: 'ates_outbox_batches',
    help: 'Committed event batches not yet queued for their consumers.',
    registers: [registry],
  });
  const lastClose = new Gauge({
    name: 'ates_last_closed_business_day_timestamp_seconds',
    help: 'The last closed business day, as the Unix time of its midnight UTC; 0 before the first close.',
    registers: [registry],
  });
  const rebuild = new Gauge({
    name: 'ates_analytics_rebuild_running',
    help: '1 while a rebuild of the analytics read side runs, else 0.',
    registers: [registry],
  });
  const rebuildProgress = new Gauge({
    name: 'ates_analytics_rebuild_progress_ratio',
    help: 'How far the newest rebuild has replayed the event log, from 0 to 1.',
    registers: [registry],
  });

  const endpoint = (name: string, help: string) =>
    new Gauge({ name, help, labelNames: ['endpoint'], registers: [registry] });
  const webhookDeliveries = new Gauge({
    name: 'ates_webhook_deliveries',
    help: 'Webhook deliveries per endpoint, by state: pending, delivered or dead (retries exhausted).',
    labelNames: ['endpoint', 'state'],
    registers: [registry],
  });
  const webhookFailures = endpoint(
    'ates_webhook_failed_attempts',
    'Attempts to deliver to an endpoint that got no 2xx answer (an error, a timeout or another status).',
  );
  const webhookLag = endpoint(
    'ates_webhook_oldest_pending_seconds',
    'Age of the oldest delivery still pending for an endpoint: its lag; 0 when caught up.',
  );
  const refresh = async () => {
    const [state, endpoints] = await Promise.all([readOperationsState(deps), readWebhookState(deps.db)]);
    for (const gauge of [webhookDeliveries, webhookFailures, webhookLag]) gauge.reset();
    for (const row of endpoints) {
      for (const status of ['pending', 'delivered', 'dead'] as const) {
        webhookDeliveries.set({ endpoint: row.endpoint, state: status }, row[status]);
      }
      webhookFailures.set({ endpoint: row.endpoint }, row.failedAttempts);
      webhookLag.set({ endpoint: row.endpoint }, row.oldestPendingSeconds);
    }
    for (const gauge of [queued, retrying, dead, oldest]) gauge.reset();
    for (const row of state.bus.consumers) {
      queued.set({ consumer: row.consumer }, row.queued);
      retrying.set({ consumer: row.consumer }, row.retrying);
      oldest.set({ consumer: row.consumer }, row.oldestQueuedSeconds ?? 0);
      dead.set({ consumer: row.consumer }, row.deadLetters);
    }
    outbox.set(state.bus.undispatched);
    lastClose.set(state.lastClosedBusinessDay ? Date.parse(`${state.lastClosedBusinessDay}T00:00:00Z`) / 1000 : 0);
    rebuild.set(state.rebuild?.state === 'running' ? 1 : 0);
    rebuildProgress.set(state.rebuild?.total ? Math.min(1, state.rebuild.done / state.rebuild.total) : 0);
  };
  return {
    registry,
    requests,
    duration,
    refresh,
  };
}

/** Counts and times every request, labelled with the route's pattern, never its values. */
export function measureRequests({ requests, duration }: Metrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = process.hrtime.bigint();
    await next();
    const route = matchedRoutes(c).findLast((r) => r.method !== 'ALL')?.path ?? 'unmatched';
    const labels = { method: c.req.method, route, status: String(c.res.status) };
    requests.inc(labels);
    duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
  };
}

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'scrapeMetrics',
  ...allow('admin'),
  tags: ['Operations'],
  summary: 'Metrics in the Prometheus text format (an admin, or the ATES_METRICS_TOKEN bearer)',
  description:
    'Open to an admin credential, or to `Authorization: Bearer $ATES_METRICS_TOKEN` where the operator set one.',
  responses: {
    200: {
      description: 'The metrics',
      content: { 'text/plain': { schema: z.string().openapi({ example: 'ates_outbox_batches 0\n' }) } },
    },
    ...problemResponses(401, 403),
  },
});

async function scrape(c: Context, metrics: Metrics) {
  await metrics.refresh();
  return c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType });
}

/**
 * Answers a scrape that presents the metrics token before identity is asked: the token is
 * nobody's session. Install it ahead of the identity middleware.
 */
export function acceptMetricsToken(
  metrics: Metrics,
  token = process.env.ATES_METRICS_TOKEN,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (token && presents(c.req.header('authorization'), token)) return scrape(c, metrics);
    await next();
  };
}

/** Serves /metrics to an admin. */
export function registerMetrics(app: App, metrics: Metrics) {
  app.openapi(metricsRoute, async (c) => {
    return (await scrape(c, metrics)) as never;
  });
}

function presents(header: string | undefined, token: string): boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
