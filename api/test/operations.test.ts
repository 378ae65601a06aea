import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ates } from '../../test/support/cli.ts';
import { type SignedIn, startTestStack, type TestStack } from '../../test/support/stack.ts';

const TOKEN = 'scrape-token-for-the-test';
let stack: TestStack;
let worker: SignedIn;

beforeAll(async () => {
  process.env.ATES_METRICS_TOKEN = TOKEN;
  stack = await startTestStack();
  delete process.env.ATES_METRICS_TOKEN;
  worker = await stack.signUp('worker');
  await stack.signUp('worker');
  await stack.settle();
});

afterAll(async () => {
  await stack?.stop();
});

/** The value of one sample line, `name{labels} value`, or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  it('is open to an admin and to the metrics token only', async () => {
    expect((await stack.call('GET', '/metrics')).status).toBe(401);
    expect((await stack.call('GET', '/metrics', { as: worker })).status).toBe(403);
    const wrong = await stack.call('GET', '/metrics', { as: { headers: { authorization: 'Bearer not-the-token' } } });
    expect(wrong.status).toBe(401);
    const admin = await stack.call('GET', '/metrics', { as: stack.admin });
    expect(admin.status).toBe(200);
    expect(admin.headers.get('content-type')).toContain('text/plain');
    const scraper = await stack.call('GET', '/metrics', { as: { headers: { authorization: `Bearer ${TOKEN}` } } });
    expect(scraper.status).toBe(200);
  });

  it('counts requests by route pattern, and reads the bus, the calendar and the read side', async () => {
    const created = await stack.call('POST', '/v1/tasks', { as: stack.admin, body: { title: 'Measured' } });
    expect(created.status).toBe(201);
    await stack.call('GET', `/v1/tasks/${created.body.id}`, { as: stack.admin });
    const closed = await stack.call('POST', '/v1/business-days/close', { as: stack.admin, body: {} });
    expect(closed.status).toBe(200);
    await stack.settle();

    const text = String((await stack.call('GET', '/metrics', { as: stack.admin })).body);
    expect(sample(text, 'ates_http_requests_total{method="POST",route="/v1/tasks",status="201"}')).toBe(1);
    expect(sample(text, 'ates_http_requests_total{method="GET",route="/v1/tasks/:id",status="200"}')).toBe(1);
    expect(text).not.toContain(created.body.id);
    expect(text).toMatch(/ates_http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/v1\/tasks"/);
    expect(sample(text, 'ates_outbox_batches')).toBe(0);
    const day = Date.parse(`${closed.body.businessDay}T00:00:00Z`) / 1000;
    expect(sample(text, 'ates_last_closed_business_day_timestamp_seconds')).toBe(day);
    expect(sample(text, 'ates_analytics_rebuild_running')).toBe(0);
    expect(text).toContain('# TYPE ates_consumer_oldest_unapplied_seconds gauge');
    expect(text).toContain('# TYPE ates_consumer_dead_letters gauge');
    expect(text).toContain('ates_process_resident_memory_bytes');
  });
});

describe('/v1/status and ates status', () => {
  it('is for admins only', async () => {
    expect((await stack.call('GET', '/v1/status')).status).toBe(401);
    expect((await stack.call('GET', '/v1/status', { as: worker })).status).toBe(403);
  });

  it('lists this process, every consumer with its lag and dead letters, and the last close', async () => {
    await stack.settle();
    const { status, body } = await stack.call('GET', '/v1/status', { as: stack.admin });
    expect(status).toBe(200);
    expect(body.processes).toEqual([
      expect.objectContaining({ roles: ['api', 'workers'], pid: process.pid, apiUrl: stack.apiUrl, live: true }),
    ]);
    expect(body.bus.consumers.map((c: { consumer: string }) => c.consumer)).toEqual(
      expect.arrayContaining([
        'accounting.ledger',
        'accounting.payout-mail',
        'analytics.projection',
        'tasks.employees',
      ]),
    );
    for (const consumer of body.bus.consumers) {
      expect(consumer).toMatchObject({ queued: 0, retrying: 0, deadLetters: 0, oldestQueuedSeconds: null });
    }
    expect(body.lastClosedBusinessDay).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    const token = stack.admin.headers.authorization?.replace('Bearer ', '') ?? '';
    const env = { ATES_API_URL: stack.apiUrl, ATES_TOKEN: token };
    const shown = await ates(['status'], { env });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('accounting.ledger');
    expect(shown.stdout).toContain('caught up');
    expect(shown.stdout).toContain(`Last closed business day: ${body.lastClosedBusinessDay}.`);
    const json = await ates(['status', '--json'], { env });
    expect(JSON.parse(json.stdout)).toMatchObject({ lastClosedBusinessDay: body.lastClosedBusinessDay });
  }, 180_000);
});
