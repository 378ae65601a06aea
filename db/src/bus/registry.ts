import { readdirSync, readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { EventName } from './events.ts';

/** An event the bus cannot carry: it fails the registry, or the stores could not hold it as it is. */
export class EventSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventSchemaError';
  }
}

/** Thrown by `publish`: the change would have produced an event the bus cannot carry, so nothing is written. */
export class UndeliverableEventError extends EventSchemaError {
  constructor(message: string) {
    super(message);
    this.name = 'UndeliverableEventError';
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Hours to 23 and offsets to ±14:59, which JavaScript and Postgres read alike; no leap second, which JavaScript does not. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}t(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:z|[+-](?:0\d|1[0-4]):[0-5]\d)$/i;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether `text`, which starts with YYYY-MM-DD, is a real calendar day (no 30 February) that both
 * stores hold as it is: ClickHouse's Date runs from 1970-01-01 to 2149-06-06 and clamps what lies
 * outside without a word, and Postgres has no year 0. Digit arithmetic: it runs for every time of
 * every event published, 400,000 of them in a reassign.
 */
function storableDay(text: string): boolean {
  const digit = (i: number) => text.charCodeAt(i) - 48;
  const year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  const month = digit(5) * 10 + digit(6);
  const day = digit(8) * 10 + digit(9);
  if (year < 1970 || year > 2149 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0))) return false;
  return year < 2149 || month < 6 || (month === 6 && day <= 6);
}

const SCHEMA_FILE = /^(?<name>.+)\.v(?<version>\d+)\.json$/;
const schemasDir = new URL('./schemas/', import.meta.url);

const ajv = new Ajv({ allErrors: true, strict: true });
// The fast formats check the shape of a uuid by pattern alone, which is what every producer's
// random ids need, at half the cost of a bulk publish's validation. Dates and times are checked
// for what the stores hold, not for the shape alone (the fast pattern takes a 39th of month 19).
addFormats.default(ajv, { mode: 'fast' });
ajv.addFormat('date', { type: 'string', validate: (text) => DATE.test(text) && storableDay(text) });
ajv.addFormat('date-time', { type: 'string', validate: (text) => DATE_TIME.test(text) && storableDay(text) });

/** One event name at one version and the JSON Schema of its data. */
export interface EventSchema {
  name: EventName;
  version: number;
  schema: Record<string, unknown>;
}

const validators = new Map<string, ValidateFunction>();
const latest = new Map<string, number>();
const catalogue: EventSchema[] = [];
for (const file of readdirSync(schemasDir).sort()) {
  const match = SCHEMA_FILE.exec(file);
  if (!match?.groups) continue;
  const { name = '', version = '' } = match.groups;
  const schema = JSON.parse(readFileSync(new URL(file, schemasDir), 'utf8'));
  validators.set(`${name}@${version}`, ajv.compile(schema));
  latest.set(name, Math.max(latest.get(name) ?? 0, Number(version)));
  catalogue.push({ name: name as EventName, version: Number(version), schema });
}
const envelopeSchema = JSON.parse(readFileSync(new URL('envelope.json', schemasDir), 'utf8'));
const validateEnvelope = ajv.compile(envelopeSchema);

/** Every event name and version of the registry with its data's schema, and the envelope's. */
export function eventCatalogue(): { envelope: Record<string, unknown>; events: EventSchema[] } {
  return { envelope: envelopeSchema, events: catalogue };
}

/** Every event name at its newest version: what a reader of every event subscribes to. */
export function latestVersions(): Partial<Record<EventName, number>> {
  return Object.fromEntries(latest) as Partial<Record<EventName, number>>;
}

/** The newest version of an event: what producers publish unless told otherwise. */
export function latestVersion(name: string): number {
  const version = latest.get(name);
  if (version === undefined) throw new EventSchemaError(`unknown event ${name}`);
  return version;
}

/**
 * Throws EventSchemaError unless the envelope and its data match the registry and survive both
 * stores as they are (see `unstorable`): what a producer must publish and a consumer may apply.
 */
export function assertValidEvent(envelope: unknown): asserts envelope is { event_name: EventName } {
  if (!validateEnvelope(envelope)) {
    throw new EventSchemaError(`malformed event envelope: ${ajv.errorsText(validateEnvelope.errors)}`);
  }
  const { event_name, event_version, data } = envelope as { event_name: string; event_version: number; data: unknown };
  const validate = validators.get(`${event_name}@${event_version}`);
  if (!validate) throw new EventSchemaError(`unknown event ${event_name} v${event_version}`);
  if (!validate(data)) {
    throw new EventSchemaError(
      `${event_name} v${event_version}: ${ajv.errorsText(validate.errors, { dataVar: 'data' })}`,
    );
  }
  const problem = unstorable(data);
  if (problem) throw new EventSchemaError(`${event_name} v${event_version}: data${problem}`);
}

/**
 * What in `value` one of the stores could not hold as it is, with its path, or undefined. The log
 * and every context's tables are Postgres jsonb and text, which hold no NUL and no unpaired UTF-16
 * surrogate; ClickHouse's JSON input refuses an unpaired surrogate, and reads a number exactly
 * only as an integer (every number of every event is one: cents, versions).
 */
function unstorable(value: unknown): string | undefined {
  if (typeof value === 'string') {
    if (!value.isWellFormed()) return ' holds an unpaired UTF-16 surrogate';
    if (value.includes('\0')) return ' holds a NUL character';
  } else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) return ` is ${value}, not an integer the stores hold exactly`;
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = unstorable(value[i]);
      if (problem) return `/${i}${problem}`;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const key in value) {
      const problem = unstorable((value as Record<string, unknown>)[key]);
      if (problem) return `/${key}${problem}`;
    }
  }
  return undefined;
}
