import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { generateSync, type JsonSchema } from 'json-schema-faker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type SignedIn, startTestStack, type TestStack } from '../../test/support/stack.ts';

/**
 * A fuzz run driven by the served /openapi.json alone, not by our zod schemas: for every
 * operation and every role it sends requests sampled from the document (json-schema-faker) and
 * mutated ones (fast-check picks the mutation), and checks each answer against the document
 * (ajv). Afterwards the money must still add up. FUZZ_SEED replays a run; FUZZ_RUNS scales it.
 */

// biome-ignore lint/suspicious/noExplicitAny: the test walks an OpenAPI document of any shape
type Node = any;
type Json = unknown;

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.FUZZ_RUNS ?? 8);
/** Long or far-reaching operations: a couple of requests per role are enough. */
const SLOW = new Set(['POST /v1/tasks/reassign', 'POST /v1/analytics/rebuild', 'POST /v1/business-days/close']);
const SLOW_RUNS = 2;

let stack: TestStack;
let doc: Node;
let roles: [string, Pick<SignedIn, 'headers'>][];
let protectedIds: Set<string>;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
const validators = new Map<string, ValidateFunction>();
/** Values seen in answers, by collection path (for `{id}`) or by field name: the next requests use them. */
const seen = new Map<string, string[]>();
let sent = 0;
/** Answers by status, for the closing line: how deep the valid requests got. */
const statuses = new Map<number, number>();
/** Operations that answered a 2xx at least once. */
const succeeded = new Set<string>();

interface Operation {
  name: string;
  method: string;
  path: string;
  op: Node;
}

/** A request to send; path and query values are percent-encoded already. */
interface Request {
  path: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: { raw: string; contentType: string };
}

const MUTATIONS = [
  'nul',
  'surrogate',
  'control',
  'year0',
  'huge',
  'negative',
  'fraction',
  'wrong type',
  'long',
  'missing',
  'extra',
  'malformed json',
  'media type',
  'credentials',
] as const;
type Mutation = (typeof MUTATIONS)[number];
const BODY_MUTATIONS = new Set<Mutation>(['malformed json', 'media type']);

beforeAll(async () => {
  stack = await startTestStack();
  const manager = await stack.signUp('manager', 'Fuzz Manager');
  const accountant = await stack.signUp('accountant', 'Fuzz Accountant');
  const worker = await stack.signUp('worker', 'Fuzz Worker');
  roles = [
    ['admin', stack.admin],
    ['manager', manager],
    ['accountant', accountant],
    ['worker', worker],
    ['anonymous', { headers: {} }],
  ];
  // The fuzz may deactivate or demote whom it likes, except the callers it fuzzes as.
  protectedIds = new Set([stack.admin, manager, accountant, worker].map((who) => who.id));
  doc = (await stack.call('GET', '/openapi.json')).body;
  await stack.settle();
});

afterAll(async () => {
  await stack?.stop();
});

const operations = (): Operation[] =>
  Object.entries<Node>(doc.paths).flatMap(([path, ops]) =>
    Object.entries<Node>(ops).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, method, path, op })),
  );

const sample = (schema: JsonSchema, seed: number): Json =>
  generateSync({ ...(schema as object), components: doc.components } as JsonSchema, {
    seed,
    optionalsProbability: 0.5,
    maxItems: 3,
  });

/** Where the ids of `{id}` in `path` come from: the collection the path sits under. */
const collectionOf = (path: string) => path.split('/{')[0] ?? path;

function remember(operation: Operation, body: Json) {
  const collection = collectionOf(operation.path);
  const add = (key: string, value: unknown) => {
    if (typeof value !== 'string' || protectedIds.has(value)) return;
    const values = seen.get(key) ?? [];
    if (!values.includes(value)) seen.set(key, [...values, value].slice(-50));
  };
  const walk = (node: Json, depth: number) => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'id' && depth <= 1) add(collection, value);
      if (key.endsWith('Id')) add(key, value);
      walk(value, key === 'items' ? depth : depth + 1);
    }
  };
  walk(body, 0);
}

/** A request the document says is valid, with ids taken from earlier answers where there are some. */
function validRequest(operation: Operation, seed: number, pick: number): Request {
  const request: Request = { path: {}, query: {}, headers: {} };
  for (const [index, parameter] of (operation.op.parameters ?? []).entries()) {
    if (!parameter.required && ((pick >> index) & 1) === 0) continue;
    const known = seen.get(parameter.name === 'id' ? collectionOf(operation.path) : parameter.name) ?? [];
    const example = parameter.example ?? parameter.schema?.example;
    const value =
      parameter.in === 'path' && known.length > 0 && pick % 4 > 1
        ? known[pick % known.length]
        : example !== undefined && pick % 4 === 1
          ? example
          : sample(parameter.schema, seed + index);
    if (parameter.in === 'header') request.headers[parameter.name] = String(value);
    else (parameter.in === 'path' ? request.path : request.query)[parameter.name] = inUrl(value);
  }
  const content = operation.op.requestBody?.content?.['application/json'];
  if (content && (operation.op.requestBody.required || seed % 3 !== 0)) {
    request.body = { raw: JSON.stringify(sample(content.schema, seed)), contentType: 'application/json' };
  }
  return request;
}

const HOSTILE: Partial<Record<Mutation, Json>> = {
  nul: 'a\u0000b',
  surrogate: 'x\ud800y',
  control: 'x\u001b[2Jy',
  year0: '0000-01-01',
  huge: 1e20,
  negative: -1,
  fraction: 1.5,
  long: 'x'.repeat(20_000),
};

/** How a value travels in a URL: percent-encoded as its bytes, a lone surrogate as WTF-8. */
function inUrl(value: Json): string {
  if (value === HOSTILE.surrogate) return 'x%ED%A0%80y';
  if (value === HOSTILE.long) return 'x'.repeat(2000);
  return encodeURIComponent(String(value).toWellFormed());
}

function wrongType(value: Json, pick: number): Json {
  const others = [{}, [], true, 12_345, null, 'text'].filter((other) => typeof other !== typeof value);
  return others[pick % others.length];
}

/** Applies `mutation` to one of the request's values (chosen by `pick`); returns the request as sent. */
function mutate(request: Request, operation: Operation, mutation: Mutation, pick: number): Request {
  if (!operation.op.requestBody && BODY_MUTATIONS.has(mutation)) return mutate(request, operation, 'extra', pick);
  const body = request.body ? (JSON.parse(request.body.raw) as Json) : undefined;
  const fields = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : [];
  const targets = [
    ...fields.map((name) => ['body', name] as const),
    ...Object.keys(request.query).map((name) => ['query', name] as const),
    ...Object.keys(request.path).map((name) => ['path', name] as const),
  ];
  const setBody = (value: Json) => {
    request.body = { raw: JSON.stringify(value), contentType: 'application/json' };
  };
  switch (mutation) {
    case 'missing': {
      if (fields.length === 0) {
        delete request.body;
        return request;
      }
      const name = fields[pick % fields.length] as string;
      const { [name]: _, ...rest } = body as Record<string, Json>;
      setBody(rest);
      return request;
    }
    case 'extra':
      if (body && typeof body === 'object') setBody({ ...body, unexpected: 'field' });
      else request.query.unexpected = 'field';
      return request;
    case 'malformed json':
      request.body = { raw: '{"title": "Fix the beak",', contentType: 'application/json' };
      return request;
    case 'media type':
      request.body = { raw: request.body?.raw ?? 'title=x', contentType: 'text/plain' };
      return request;
    case 'credentials':
      request.headers.authorization = `Bearer not-a-token-${pick}`;
      return request;
  }
  const target = targets[pick % Math.max(1, targets.length)];
  if (!target) {
    request.query.unexpected = inUrl(HOSTILE[mutation] ?? 'x');
    return request;
  }
  const [where, name] = target;
  if (where === 'body') {
    const current = (body as Record<string, Json>)[name];
    const value = mutation === 'wrong type' ? wrongType(current, pick) : HOSTILE[mutation];
    setBody({ ...(body as object), [name]: value });
  } else {
    const value = mutation === 'wrong type' ? '{}' : HOSTILE[mutation];
    request[where][name] = inUrl(value);
  }
  return request;
}

function urlOf(operation: Operation, request: Request): string {
  const path = operation.path.replaceAll(/\{(\w+)\}/g, (_, name: string) => request.path[name] ?? '');
  const query = Object.entries(request.query)
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  return `${stack.apiUrl}${path}${query ? `?${query}` : ''}`;
}

function validatorFor(schema: Node): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile({ ...schema, components: doc.components });
    validators.set(key, validate);
  }
  return validate;
}

/** JSON and problem+json bodies are parsed; a text body (the metrics) is judged as the string it is. */
const isJson = (contentType: string) => /\bjson\b/.test(contentType);

/** What is wrong with an answer, by the document; undefined when nothing is. */
function judge(operation: Operation, status: number, contentType: string | null, text: string): string | undefined {
  if (status >= 500) return `a ${status}: ${text.slice(0, 300)}`;
  const declared = operation.op.responses?.[String(status)];
  if (!declared) return `status ${status}, which the document does not declare: ${text.slice(0, 300)}`;
  if (!declared.content) return text === '' ? undefined : `a body the document does not declare for ${status}`;
  const mediaType = contentType?.split(';')[0]?.trim() ?? '';
  const schema = declared.content[mediaType]?.schema;
  if (!schema) return `${status} as ${mediaType}, not one of ${Object.keys(declared.content).join(', ')}`;
  const validate = validatorFor(schema);
  if (validate(isJson(mediaType) ? JSON.parse(text) : text)) return undefined;
  return `${status} body does not match its schema: ${ajv.errorsText(validate.errors)}: ${text.slice(0, 300)}`;
}

async function send(operation: Operation, caller: Pick<SignedIn, 'headers'>, request: Request) {
  const headers: Record<string, string> = { ...caller.headers, ...request.headers };
  if (request.body) headers['content-type'] = request.body.contentType;
  sent++;
  const response = await fetch(urlOf(operation, request), {
    method: operation.method.toUpperCase(),
    headers,
    body: request.body?.raw,
  });
  const text = await response.text();
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  if (response.ok) succeeded.add(operation.name);
  if (response.ok && text && isJson(response.headers.get('content-type') ?? '')) remember(operation, JSON.parse(text));
  return judge(operation, response.status, response.headers.get('content-type'), text);
}

const requestArbitrary = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  pick: fc.nat(),
  // Half valid, half mutated.
  mutation: fc.option(fc.constantFrom(...MUTATIONS), { freq: 2 }),
});

it('answers every request, valid or hostile, as the document says, and the money still adds up', async () => {
  const started = performance.now();
  const failures: string[] = [];
  for (const [index, operation] of operations().entries()) {
    for (const [role, caller] of roles) {
      try {
        await fc.assert(
          fc.asyncProperty(requestArbitrary, async ({ seed, pick, mutation }) => {
            const valid = validRequest(operation, seed, pick);
            const request = mutation ? mutate(valid, operation, mutation, pick) : valid;
            const problem = await send(operation, caller, request);
            if (problem) {
              throw new Error(
                `${operation.name} as ${role}, ${mutation ?? 'valid'}: ${problem}\n${JSON.stringify(request)}`,
              );
            }
          }),
          { seed: SEED + index, numRuns: SLOW.has(operation.name) ? SLOW_RUNS : RUNS, endOnFailure: true },
        );
      } catch (error) {
        const { message, cause } = error as Error;
        const replay = message.split('\n')[1] ?? '';
        failures.push(`${cause instanceof Error ? cause.message : message}\n  fast-check ${replay}`);
      }
    }
  }
  await rebuildsFinished();
  await stack.settle();
  const seconds = (performance.now() - started) / 1000;
  const answers = [...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`);
  console.log(`fuzz: ${sent} requests in ${seconds.toFixed(1)} s, seed ${SEED} (FUZZ_SEED=${SEED} replays it)`);
  console.log(`fuzz: answers ${answers.join(' ')}`);
  const unreached = operations().filter(({ name }) => !succeeded.has(name));
  console.log(`fuzz: never a 2xx: ${unreached.map(({ name }) => name).join(', ') || 'none'}`);
  expect(failures, `seed ${SEED}`).toEqual([]);
  await expectMoneyAddsUp();
}, 300_000);

/** Waits for every rebuild the fuzz started, so that the read side is whole again. */
async function rebuildsFinished() {
  for (const id of seen.get('/v1/analytics/rebuild') ?? []) {
    for (;;) {
      const { body } = await stack.call('GET', `/v1/analytics/rebuild/${id}`, { as: stack.admin });
      if (body.state !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function expectMoneyAddsUp() {
  const db = stack.runtime.conn.db;
  const unbalanced = await db.execute(sql`
    select transaction_id from accounting.entries group by transaction_id having sum(amount) <> 0`);
  expect(unbalanced, 'transactions that do not sum to zero').toEqual([]);
  const [range] = await db.execute<{ total: string | null; first: string | null; last: string | null }>(sql`
    select sum(amount)::text as total, min(business_day)::text as first, max(business_day)::text as last
    from accounting.entries`);
  expect(Number(range?.total ?? 0)).toBe(0);
  if (range?.first && range.last) {
    const verify = await stack.call('GET', `/v1/analytics/verify?from=${range.first}&to=${range.last}`, {
      as: stack.admin,
    });
    expect(verify.status).toBe(200);
    expect(verify.body.differences).toEqual([]);
    expect(verify.body.agrees).toBe(true);
  }
  const letters = await stack.call('GET', '/v1/dead-letters', { as: stack.admin });
  expect(letters.body.items).toEqual([]);
}
