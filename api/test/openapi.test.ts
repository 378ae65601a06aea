import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../test/support/stack.ts';

// biome-ignore lint/suspicious/noExplicitAny: the test walks an OpenAPI document of any shape
type Node = any;

let stack: TestStack;
let doc: Node;

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
  doc = (await stack.call('GET', '/openapi.json')).body;
});

afterAll(async () => {
  await stack?.stop();
});

/** Whether `node`, following every $ref into the components, carries an example anywhere. */
function hasExample(node: Node, seen = new Set<string>()): boolean {
  if (node === null || typeof node !== 'object') return false;
  if ('example' in node || 'examples' in node) return true;
  if (typeof node.$ref === 'string') {
    if (seen.has(node.$ref)) return false;
    seen.add(node.$ref);
    return hasExample(doc.components.schemas[node.$ref.split('/').pop()], seen);
  }
  return Object.values(node).some((child) => hasExample(child, seen));
}

const operations = () =>
  Object.entries<Node>(doc.paths).flatMap(([path, ops]) =>
    Object.entries<Node>(ops).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
  );

it('documents every route with a summary, an example and its errors as problem+json', () => {
  const gaps: string[] = [];
  for (const { name, op } of operations()) {
    const statuses = Object.keys(op.responses ?? {});
    const success = statuses.find((status) => status.startsWith('2'));
    if (!op.summary) gaps.push(`${name}: no summary`);
    if (!success) gaps.push(`${name}: no success response`);
    if (success && op.responses[success].content && !hasExample(op.responses[success].content)) {
      gaps.push(`${name}: no example of its answer`);
    }
    if (op.requestBody && !hasExample(op.requestBody)) gaps.push(`${name}: no example of its body`);
    // /ready answers 503 with the same readiness report as its 200, as probes expect.
    for (const status of statuses.filter((s) => Number(s) >= 400 && name !== 'GET /ready')) {
      if (!op.responses[status].content?.['application/problem+json'])
        gaps.push(`${name}: ${status} is not problem+json`);
    }
    // Open routes too: a credential that is sent is checked all the same.
    if (!statuses.includes('401')) gaps.push(`${name}: no 401`);
    if ((op.requestBody || op.parameters?.length) && !statuses.includes('400')) {
      gaps.push(`${name}: takes input but documents no 400`);
    }
    if (op.requestBody && !statuses.includes('415')) gaps.push(`${name}: takes a body but documents no 415`);
  }
  expect(gaps).toEqual([]);
  expect(operations().length).toBeGreaterThanOrEqual(30);
});

it('serves the interactive reference at /docs', async () => {
  const response = await fetch(`${stack.apiUrl}/docs`);
  expect(response.status).toBe(200);
  const page = await response.text();
  expect(page).toContain('/openapi.json');
  expect(page).toContain('aTES API reference');
});
