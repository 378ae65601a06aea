import { readdirSync, readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { EventName } from './events.ts';

export class EventSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventSchemaError';
  }
}

const SCHEMA_FILE = /^(?<name>.+)\.v(?<version>\d+)\.json$/;
const schemasDir = new URL('./schemas/', import.meta.url);

const ajv = new Ajv({ allErrors: true, strict: true });
// The fast formats check the shape of a date-time or uuid by pattern alone, which is what every
// producer's ISO strings and random ids need, at half the cost of a bulk publish's validation.
addFormats.default(ajv, { mode: 'fast' });

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

/** Throws EventSchemaError unless the envelope and its data match the registry. */
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
}
