import { latestVersions } from '@ates/db/bus';
import { z } from '@hono/zod-openapi';

const ENDPOINT_ID = '3f6c1e9a-4b7d-4c2e-9f1a-8d5b6e7c0a12';
const DELIVERY_ID = '9a2b7c4d-1e3f-4a5b-8c6d-7e8f9a0b1c2d';
const EVENT_ID = '0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a';
const AT = '2026-11-24T15:04:05.000Z';

const ENDPOINT_EXAMPLE = {
  id: ENDPOINT_ID,
  url: 'https://jira-sync.popug.inc/hooks/ates',
  description: 'Jira sync',
  events: ['TaskCompleted', 'PayoutMade'],
  status: 'enabled' as const,
  failingSince: null,
  previousSecretExpiresAt: null,
  createdAt: AT,
};

/** An answer of `schema` as JSON, for a route's responses. */
export const json = <T>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const EVENT_NAMES = Object.keys(latestVersions()) as [string, ...string[]];

export const EndpointParams = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' }, example: ENDPOINT_ID }),
});

export const DeliveryParams = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' }, example: DELIVERY_ID }),
});

export const NewEndpointBody = z
  .strictObject({
    url: z.url().openapi({ description: 'An https URL; no redirects are followed.' }),
    events: z
      .array(z.enum(EVENT_NAMES))
      .min(1, 'subscribe to at least one event')
      .openapi({ description: 'Event names of GET /v1/event-schemas.' }),
    description: z.string().trim().min(1).max(200).optional(),
  })
  .openapi('NewWebhookEndpoint', {
    example: {
      url: 'https://jira-sync.popug.inc/hooks/ates',
      events: ['TaskCompleted', 'PayoutMade'],
      description: 'Jira sync',
    },
  });

export const EndpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    events: z.array(z.string()),
    status: z.enum(['enabled', 'disabled', 'failing']).openapi({
      description: '`failing`: disabled by aTES after failing for the whole retry window; `enable` sends to it again.',
    }),
    failingSince: z.string().nullable().openapi({ description: 'When its current run of failures began.' }),
    previousSecretExpiresAt: z
      .string()
      .nullable()
      .openapi({ description: 'Until then deliveries are signed with the previous secret too.' }),
    createdAt: z.string(),
  })
  .openapi('WebhookEndpoint', { example: ENDPOINT_EXAMPLE });

export const EndpointWithSecretSchema = EndpointSchema.extend({
  secret: z.string().openapi({ description: 'The signing secret, shown in this answer only.' }),
}).openapi('WebhookEndpointWithSecret', {
  example: { ...ENDPOINT_EXAMPLE, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw2U2Zzq1v3lQ=' },
});

export const EndpointListSchema = z.object({ items: z.array(EndpointSchema), nextCursor: z.null() });

const AttemptSchema = z.object({
  attemptedAt: z.string(),
  statusCode: z.number().int().nullable().openapi({ description: 'Null when no answer came.' }),
  latencyMs: z.number().int(),
  answer: z.string().openapi({ description: 'The first 500 characters of the answer, or the error.' }),
});

export const DeliverySchema = z
  .object({
    id: z.string(),
    endpointId: z.string(),
    eventId: z.string().openapi({ description: 'Sent as `webhook-id`: receivers dedupe on it.' }),
    eventName: z.string(),
    reason: z.enum(['event', 'ping', 'replay']),
    status: z.enum(['pending', 'delivered', 'dead']),
    nextAttemptAt: z.string().nullable().openapi({ description: 'Null once delivered or dead-lettered.' }),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
    attempts: z.array(AttemptSchema).openapi({ description: 'Oldest first.' }),
  })
  .openapi('WebhookDelivery', {
    example: {
      id: DELIVERY_ID,
      endpointId: ENDPOINT_ID,
      eventId: EVENT_ID,
      eventName: 'TaskCompleted',
      reason: 'event',
      status: 'pending',
      nextAttemptAt: '2026-11-24T15:04:15.000Z',
      createdAt: AT,
      deliveredAt: null,
      attempts: [{ attemptedAt: AT, statusCode: 503, latencyMs: 42, answer: 'Service Unavailable' }],
    },
  });

export const DeliveryListQuery = z.object({
  failed: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ description: 'Only deliveries that failed at least once and are not delivered.' }),
  limit: z.coerce.number().int().min(1).max(500).default(50).openapi({ example: 50 }),
  cursor: z.uuid().optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
});

export const DeliveryListSchema = z.object({ items: z.array(DeliverySchema), nextCursor: z.string().nullable() });

export const ReplayBody = z
  .strictObject({ from: z.iso.datetime({ offset: true }).openapi({ description: 'Resend every event since then.' }) })
  .openapi('WebhookReplay', { example: { from: '2026-11-24T00:00:00Z' } });

export const ReplayResultSchema = z
  .object({ queued: z.number().int().openapi({ description: 'Deliveries queued, one per event.' }) })
  .openapi({ example: { queued: 12 } });

export const EventSchemaListSchema = z
  .object({
    envelope: z.record(z.string(), z.unknown()).openapi({ description: 'The JSON Schema of every body.' }),
    items: z.array(
      z.object({
        name: z.string(),
        version: z.number().int(),
        current: z.boolean().openapi({ description: 'Whether deliveries carry this version.' }),
        schema: z.record(z.string(), z.unknown()).openapi({ description: 'The JSON Schema of `data`.' }),
      }),
    ),
    nextCursor: z.null(),
  })
  .openapi('EventSchemas', {
    example: {
      envelope: { type: 'object' },
      items: [{ name: 'TaskCompleted', version: 1, current: true, schema: { type: 'object' } }],
      nextCursor: null,
    },
  });
