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
const DATE_TIME = /^\d{4}-\d{2}-\d{2}t(?:[0-2]\d:[0-5]\d:[0-5]\d|23:59:60)(?:\.\d+)?(?:z|[+-]\d\d(?::?\d\d)?)$/i;
/**
 * The days both stores hold as they are: ClickHouse's Date runs from 1970-01-01 to 2149-06-06 and
 * clamps what lies outside without a word; Postgres has no year 0.
 */
const DAYS = { first: '1970-01-01', last: '2149-06-06' };

/** A real calendar day (no 30 February) within DAYS; `text` starts with YYYY-MM-DD. */
function storableDay(text: string): boolean {
  const day = text.slice(0, 10);
  if (day < DAYS.first || day > DAYS.last) return false;
  const [year, month, date] = [Number(day.slice(0, 4)), Number(day.slice(5, 7)), Number(day.slice(8, 10))];
  return month >= 1 && month <= 12 && date >= 1 && date <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const SCHEMA_FILE = /^(?<name>.+)\.v(?<version>\d+)\.json$/;
const schemasDir = new URL('./schemas/', import.meta.url);

const ajv = new Ajv({ allErrors: true, strict: true });
// The fast formats check the shape of a uuid by pattern alone, which is what every producer's
// random ids need, at half the cost of a bulk publish's validation. Dates and times are checked
// for what the stores hold, not for the shape alone (the fast pattern takes a 39th of month 19).
addFormats.default(ajv, { mode: 'fast' });
ajv.addFormat('date', { type: 'string', validate: (text) => DATE.test(text) && storableDay(text) });
ajv.addFormat('date-time', {
  type: 'string',
  validate: (text) => DATE_TIME.test(text) && storableDay(text) && Number.isFinite(Date.parse(text)),
});

const validators = new Map<string, ValidateFunction>();
const latest = new Map<string, number>();
for (const file of readdirSync(schemasDir)) {
  const match = SCHEMA_FILE.exec(file);
  if (!match?.groups) continue;
  const { name = '', version = '' } = match.groups;
  const schema = JSON.parse(readFileSync(new URL(file, schemasDir), 'utf8'));
  validators.set(`${name}@${version}`, ajv.compile(schema));
  latest.set(name, Math.max(latest.get(name) ?? 0, Number(version)));
}
const validateEnvelope = ajv.compile(JSON.parse(readFileSync(new URL('envelope.json', schemasDir), 'utf8')));

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
