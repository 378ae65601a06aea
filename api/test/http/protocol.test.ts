import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
});

afterAll(async () => {
  await stack.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: tests read problem bodies field by field
const bodyOf = async (response: Response): Promise<any> => response.json();

const send = (method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) =>
  fetch(`${stack.apiUrl}${path}`, { method, headers: { ...stack.admin.headers, ...init.headers }, body: init.body });

describe('methods', () => {
  it('answers a method a path does not take with a 405 problem and the methods it does take in Allow', async () => {
    const cases = [
      ['DELETE', '/v1/tasks', 'GET, POST, HEAD'],
      ['PUT', `/v1/tasks/${crypto.randomUUID()}`, 'GET, PATCH, HEAD'],
      ['GET', '/v1/tasks/reassign', undefined],
      // GET /v1/business-days/{date} matches too: "close" is then refused as a date.
      ['PATCH', '/v1/business-days/close', 'GET, POST, HEAD'],
      ['POST', '/v1/reports/summary', 'GET, HEAD'],
      ['DELETE', '/v1/employees/me', 'GET, PATCH, HEAD'],
    ] as const;
    for (const [method, path, allow] of cases) {
      const response = await send(method, path);
      const body = await bodyOf(response);
      if (allow === undefined) {
        // GET /v1/tasks/reassign is GET /v1/tasks/{id} with an id that is no uuid.
        expect(response.status, `${method} ${path}`).toBe(400);
        continue;
      }
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(response.headers.get('allow')?.split(', ').sort()).toEqual(allow.split(', ').sort());
      expect(body).toMatchObject({ status: 405, title: 'Method Not Allowed' });
    }
  });

  it('still answers 404 for a path nothing serves', async () => {
    const response = await send('GET', '/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.headers.get('allow')).toBeNull();
    expect((await bodyOf(response)).title).toBe('Not Found');
  });
});

describe('media types', () => {
  it('answers a body that is not JSON with a 415 "Unsupported Media Type" problem, and writes nothing', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const response = await send('POST', '/v1/tasks', {
        headers: { 'content-type': contentType },
        body: 'title=Fix the beak',
      });
      expect(response.status).toBe(415);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(await bodyOf(response)).toMatchObject({
        status: 415,
        title: 'Unsupported Media Type',
        type: 'https://ates.popug.inc/problems/unsupported-media-type',
      });
    }
    const tasks = await stack.call('GET', '/v1/tasks', { as: stack.admin });
    expect(tasks.body.items).toEqual([]);
  });

  it('answers malformed JSON with a 400 problem', async () => {
    const response = await send('POST', '/v1/tasks', { headers: { 'content-type': 'application/json' }, body: '{' });
    expect(response.status).toBe(400);
    expect((await bodyOf(response)).title).toBe('Bad Request');
  });
});

describe('optional bodies', () => {
  it('closes the day in progress for a POST with no body, with or without a JSON content type', async () => {
    const bare = await send('POST', '/v1/business-days/close');
    expect(bare.status).toBe(200);
    const closed = await bodyOf(bare);
    const typed = await send('POST', '/v1/business-days/close', { headers: { 'content-type': 'application/json' } });
    expect(typed.status).toBe(200);
    expect((await bodyOf(typed)).businessDay >= closed.businessDay).toBe(true);
    const empty = await send('POST', '/v1/business-days/close', {
      headers: { 'content-type': 'application/json' },
      body: '',
    });
    expect(empty.status).toBe(200);
  });

  it('refuses a required body left out for its missing fields, naming them', async () => {
    const response = await send('POST', '/v1/tasks', { headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(400);
    expect((await bodyOf(response)).issues).toContainEqual(expect.objectContaining({ path: 'title' }));
    const retry = await send('POST', '/v1/dead-letters/retry');
    expect(retry.status).toBe(400);
    expect((await bodyOf(retry)).issues).toContainEqual(expect.objectContaining({ path: 'consumer' }));
  });
});
