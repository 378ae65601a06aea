import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { launch } from 'puppeteer-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromium } from '../../test/support/chromium.ts';
import { startTestStack, type TestStack } from '../../test/support/stack.ts';
import { openApiDocument } from '../scripts/openapi.ts';

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

it('is served as the script that `pnpm check` lints builds it, with no store', async () => {
  expect(await openApiDocument(stack.apiUrl)).toEqual(doc);
});

it('renders the reference at /docs in a browser, with nothing from outside this server', async ({ skip }) => {
  const found = await chromium();
  if ('missing' in found) return skip(found.missing);
  // Chromium's sandbox does not run as root, which the developers and CI are.
  const browser = await launch({ executablePath: found.path, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const foreign: string[] = [];
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      const { origin, protocol } = new URL(request.url());
      if (origin === stack.apiUrl || protocol === 'data:' || protocol === 'blob:') return void request.continue();
      foreign.push(request.url());
      return void request.abort();
    });
    const response = await page.goto(`${stack.apiUrl}/docs`, { waitUntil: 'networkidle0' });
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe('aTES API reference');
    const summary = doc.paths['/api/auth/sign-in/email'].post.summary;
    await page.waitForSelector(`::-p-text(${JSON.stringify(summary)})`, { timeout: 30_000 });
    await page.waitForNetworkIdle();
    expect(foreign).toEqual([]);
  } finally {
    await browser.close();
  }
}, 600_000);

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
const validators = new Map<Node, ValidateFunction>();
const validatorOf = (schema: Node): ValidateFunction => {
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile({ ...schema, components: doc.components });
    validators.set(schema, validate);
  }
  return validate;
};

const deref = (node: Node): Node =>
  typeof node?.$ref === 'string' ? deref(doc.components.schemas[node.$ref.split('/').pop()]) : node;

interface Shown {
  at: string;
  value: unknown;
  schema: Node;
}

/** Every example the document shows, in schemas, media types, parameters and headers, with the schema it is of. */
function examples(): Shown[] {
  const shown: Shown[] = [];
  const ofSchema = (schema: Node, at: string) => {
    if (schema === null || typeof schema !== 'object' || '$ref' in schema) return;
    if ('example' in schema) shown.push({ at: `${at}/example`, value: schema.example, schema });
    for (const [index, value] of (Array.isArray(schema.examples) ? schema.examples : []).entries()) {
      shown.push({ at: `${at}/examples/${index}`, value, schema });
    }
    for (const [name, property] of Object.entries<Node>(schema.properties ?? {})) {
      ofSchema(property, `${at}/properties/${name}`);
    }
    for (const key of ['items', 'additionalProperties', 'not']) ofSchema(schema[key], `${at}/${key}`);
    for (const key of ['allOf', 'anyOf', 'oneOf', 'prefixItems']) {
      for (const [index, part] of (schema[key] ?? []).entries()) ofSchema(part, `${at}/${key}/${index}`);
    }
  };
  /** A media type, a parameter and a header show examples the same way, beside their schema. */
  const beside = (holder: Node, at: string) => {
    ofSchema(holder.schema, `${at}/schema`);
    if ('example' in holder) shown.push({ at: `${at}/example`, value: holder.example, schema: holder.schema });
    for (const [name, example] of Object.entries<Node>(holder.examples ?? {})) {
      shown.push({ at: `${at}/examples/${name}`, value: example.value, schema: holder.schema });
    }
  };
  const ofContent = (content: Node, at: string) => {
    for (const [type, media] of Object.entries<Node>(content ?? {})) beside(media, `${at}/content/${type}`);
  };
  for (const [name, schema] of Object.entries<Node>(doc.components.schemas))
    ofSchema(schema, `#/components/schemas/${name}`);
  for (const kind of ['parameters', 'headers']) {
    for (const [name, holder] of Object.entries<Node>(doc.components[kind] ?? {})) {
      beside(holder, `#/components/${kind}/${name}`);
    }
  }
  for (const { name, op } of operations()) {
    for (const parameter of op.parameters ?? []) {
      if (!('$ref' in parameter)) beside(parameter, `${name} parameter ${parameter.name}`);
    }
    ofContent(op.requestBody?.content, `${name} body`);
    for (const [status, response] of Object.entries<Node>(op.responses ?? {})) {
      ofContent(response.content, `${name} ${status}`);
      for (const [header, holder] of Object.entries<Node>(response.headers ?? {})) {
        if (!('$ref' in holder)) beside(holder, `${name} ${status} header ${header}`);
      }
    }
  }
  return shown;
}

/** The schema and the parts of it that apply to `value`: its allOf, and the anyOf and oneOf it matches. */
function partsFor(schema: Node, value: unknown): Node[] {
  const node = deref(schema) ?? {};
  const alternatives = [...(node.anyOf ?? []), ...(node.oneOf ?? [])].filter((part) => validatorOf(part)(value));
  return [node, ...[...(node.allOf ?? []), ...alternatives].flatMap((part) => partsFor(part, value))];
}

/**
 * The fields of `value` its schema does not name: JSON Schema lets an object carry any field its
 * schema leaves open, so a stale or misspelt field in an example would pass validation unseen.
 */
function undeclared(value: unknown, schema: Node, at: string): string[] {
  if (value === null || typeof value !== 'object') return [];
  const parts = partsFor(schema, value);
  if (Array.isArray(value)) {
    const items = parts.find((part) => part.items)?.items;
    return items ? value.flatMap((item, index) => undeclared(item, items, `${at}/${index}`)) : [];
  }
  const properties = Object.assign({}, ...parts.map((part) => part.properties ?? {}));
  const rest = parts.find((part) => part.additionalProperties !== undefined)?.additionalProperties;
  const closed = rest === false || (rest === undefined && parts.some((part) => part.properties));
  return Object.entries(value).flatMap(([name, field]) => {
    const declared = properties[name] ?? (typeof rest === 'object' ? rest : undefined);
    if (declared) return undeclared(field, declared, `${at}/${name}`);
    return closed ? [`${at}/${name}: not in the schema`] : [];
  });
}

it('shows examples that hold by their schemas and name no field their schemas lack', () => {
  const shown = examples();
  const wrong = shown.flatMap(({ at, value, schema }) => {
    const validate = validatorOf(schema);
    const problems = validate(value) ? [] : [`${at}: ${ajv.errorsText(validate.errors)}`];
    return [...problems, ...undeclared(value, schema, at)];
  });
  expect(wrong).toEqual([]);
  expect(shown.length).toBeGreaterThan(100);
});
