import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';

let stack: TestStack;
// biome-ignore lint/suspicious/noExplicitAny: the test reads an OpenAPI document of any shape
let doc: any;

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
  doc = (await stack.call('GET', '/openapi.json')).body;
});

afterAll(async () => {
  await stack.stop();
});

const get = (path: string) => stack.call('GET', path, { as: stack.admin });

/** Expects a 400 problem whose first issue names `field`. */
async function expectRefused(
  response: Promise<{ status: number; body: { issues?: { path: string }[] } }>,
  field: string,
) {
  const { status, body } = await response;
  expect(status).toBe(400);
  expect(body.issues?.[0]?.path).toBe(field);
}

describe('dates', () => {
  it('refuses the year 0000 and anything outside 2000-01-01..2999-12-31 as a 400, never a 500', async () => {
    await expectRefused(get('/v1/business-days/0000-01-01'), 'date');
    await expectRefused(
      stack.call('POST', '/v1/business-days/close', { as: stack.admin, body: { date: '0000-01-01' } }),
      'date',
    );
    await expectRefused(get('/v1/earnings?from=0000-01-01&to=0000-12-31'), 'from');
    await expectRefused(get('/v1/reports/earnings?from=1999-12-31&to=2000-01-02'), 'from');
    await expectRefused(get('/v1/reports/top-tasks?date=3000-01-01'), 'date');
    await expectRefused(get('/v1/analytics/verify?to=+02026-01-01'), 'to');
    await expectRefused(get('/v1/payouts?date=2026-02-30'), 'date');
    await expectRefused(get('/v1/accounts/me/audit?date=2026-13-01'), 'date');
  });

  it('answers for the first and the last day of the range', async () => {
    expect((await get('/v1/business-days/2000-01-01')).body.businessDay).toBe('2000-01-01');
    expect((await get('/v1/business-days/2999-12-31')).body.status).toBe('not begun');
    expect((await get('/v1/earnings?from=2000-01-01&to=2000-01-03')).body.items).toHaveLength(3);
    expect((await get('/v1/reports/earnings?from=2999-12-25&to=2999-12-31')).body.items).toHaveLength(7);
    expect((await get('/v1/reports/top-tasks?period=month&date=2999-12-31')).body.to).toBe('2999-12-31');
  });

  it('says in the document which dates it takes', () => {
    const [date] = doc.paths['/v1/business-days/{date}'].get.parameters;
    expect(date.schema).toMatchObject({ type: 'string', format: 'date' });
    expect(date.description).toContain('2000-01-01 to 2999-12-31');
    const pattern = new RegExp(date.schema.pattern, 'u');
    expect(['2000-01-01', '2999-12-31'].every((day) => pattern.test(day))).toBe(true);
    expect(['0000-01-01', '1999-12-31', '3000-01-01', '2026-1-01'].some((day) => pattern.test(day))).toBe(false);
  });
});

describe('cursors', () => {
  it('refuses a cursor that is not one the API gives out as a 400, never a 500', async () => {
    await expectRefused(get('/v1/accounts/me/audit?cursor=99999999999999999999'), 'cursor');
    await expectRefused(get('/v1/accounts/me/audit?cursor=9223372036854775808'), 'cursor');
    await expectRefused(get('/v1/accounts/me/audit?cursor=a%00b'), 'cursor');
    await expectRefused(get('/v1/payouts?cursor=a%00b'), 'cursor');
    await expectRefused(get('/v1/tasks?cursor=a%00b'), 'cursor');
    await expectRefused(get('/v1/employees?cursor=a%00b'), 'cursor');
    await expectRefused(get(`/v1/reports/audit?cursor=99999999999999999999.${crypto.randomUUID()}`), 'cursor');
    await expectRefused(get('/v1/reports/audit?cursor=1.a%00b'), 'cursor');
  });

  it('refuses a forged employee cursor that decodes to a NUL', async () => {
    const forged = Buffer.from(JSON.stringify(['a\u0000b', crypto.randomUUID()])).toString('base64url');
    const { status, body } = await get(`/v1/employees?cursor=${forged}`);
    expect(status).toBe(400);
    expect(body.detail).toContain('cursor');
  });

  it('takes the largest entry id as an audit cursor: a page after it is empty', async () => {
    const { status, body } = await get('/v1/accounts/me/audit?cursor=9223372036854775807');
    expect(status).toBe(200);
    expect(body.items).toEqual([]);
  });
});

describe('uuids', () => {
  // A version-less, variant-less UUID: JSON Schema's `uuid` format takes it, zod's strict z.uuid() does not.
  const plain = '12345678-1234-1234-1234-123456789012';

  it('takes every id the document calls a uuid, and answers 404 for one it does not know', async () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    const [id] = doc.paths['/v1/tasks/{id}'].get.parameters;
    expect(id.schema.format).toBe('uuid');
    expect(ajv.validate(id.schema, plain)).toBe(true);
    expect((await get(`/v1/tasks/${plain}`)).status).toBe(404);
    expect((await get(`/v1/tasks?cursor=${plain}`)).status).toBe(200);
    expect((await get(`/v1/analytics/rebuild/${plain}`)).status).toBe(404);
  });

  it('refuses, as a 400, what the document does not call a uuid', async () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    const [id] = doc.paths['/v1/tasks/{id}'].get.parameters;
    for (const value of ['not-a-uuid', `${plain}0`, `{${plain}}`]) {
      expect(ajv.validate(id.schema, value)).toBe(false);
      expect((await get(`/v1/tasks/${encodeURIComponent(value)}`)).status).toBe(400);
    }
  });
});
