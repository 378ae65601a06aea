import { isPostgresUnavailable, logger } from '@ates/db';
import { AnalyticsUnavailableError } from '@ates/db/analytics';
import { UndeliverableEventError } from '@ates/db/bus';
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The one error a route throws: mapped to an RFC 9457 problem+json body in `onError`. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly title: string;
  readonly extra: Record<string, unknown>;

  constructor(status: ContentfulStatusCode, title: string, detail: string, extra: Record<string, unknown> = {}) {
    super(detail);
    this.status = status;
    this.title = title;
    this.extra = extra;
  }
}

/** The title of each problem status the API answers (RFC 9110's reason phrases). */
export const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

const problemOf = (status: ContentfulStatusCode, detail: string, extra?: Record<string, unknown>) =>
  new ApiError(status, TITLES[status] ?? 'Error', detail, extra);

export const badRequest = (detail: string, extra?: Record<string, unknown>) => problemOf(400, detail, extra);
export const unauthorized = (detail = 'Sign in first: send a bearer token or an API key.') => problemOf(401, detail);
export const forbidden = (detail: string, extra?: Record<string, unknown>) => problemOf(403, detail, extra);
export const notFound = (detail: string) => problemOf(404, detail);
export const methodNotAllowed = (detail: string) => problemOf(405, detail);
export const conflict = (detail: string, extra?: Record<string, unknown>) => problemOf(409, detail, extra);
export const payloadTooLarge = (detail: string) => problemOf(413, detail);
export const unsupportedMediaType = (detail: string) => problemOf(415, detail);
export const unprocessable = (detail: string) => problemOf(422, detail);
export const tooManyRequests = (detail: string, retryAfterSeconds: number) =>
  problemOf(429, detail, { retryAfterSeconds });
export const serviceUnavailable = (detail: string) => problemOf(503, detail);

const TYPE_BASE = 'https://ates.popug.inc/problems/';

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: `${TYPE_BASE}conflict` }),
    title: z.string().openapi({ example: 'Conflict' }),
    status: z.number().int().openapi({ example: 409 }),
    detail: z.string().openapi({ example: 'The task is already done.' }),
  })
  .passthrough()
  .openapi('Problem');

/** Every error response of a route, described once for the OpenAPI document. */
export type ProblemStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 503;

export const PROBLEM_DESCRIPTIONS: Record<ProblemStatus, string> = {
  400: 'The request is malformed or fails validation.',
  401: 'No valid session, bearer token or API key.',
  403: 'The caller’s role may not do this.',
  404: 'No such object, or not one the caller may see.',
  405: 'The path does not support this method; `Allow` lists those it does.',
  409: 'The object is not in a state that allows this.',
  413: 'The request body is larger than this route accepts.',
  415: 'The request body is not of a media type this route accepts.',
  422: 'The Idempotency-Key was already used with another request.',
  429: 'Too many requests; `Retry-After` says when to try again.',
  503: 'A store this request needs is unavailable; `Retry-After` says when to try again.',
};

export function problemResponses(...statuses: ProblemStatus[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: PROBLEM_DESCRIPTIONS[status], content: { 'application/problem+json': { schema: ProblemSchema } } },
    ]),
  );
}

export function problem(c: Context, status: ContentfulStatusCode, title: string, detail: string, extra = {}) {
  const slug = title.toLowerCase().replaceAll(/[^a-z]+/g, '-');
  return c.body(JSON.stringify({ type: `${TYPE_BASE}${slug}`, title, status, detail, ...extra }), status, {
    'content-type': 'application/problem+json',
  });
}

/** Maps every error to problem+json; an unexpected one is logged and never shown as a stack trace. */
export function onError(error: Error, c: Context) {
  if (error instanceof ApiError) {
    const { retryAfterSeconds } = error.extra;
    if (typeof retryAfterSeconds === 'number')
      c.header('retry-after', String(Math.max(1, Math.ceil(retryAfterSeconds))));
    return problem(c, error.status, error.title, error.message, error.extra);
  }
  if (error instanceof UndeliverableEventError) {
    return problem(c, 400, 'Bad Request', `This change would publish an event the bus cannot carry: ${error.message}.`);
  }
  if (error instanceof HTTPException) {
    const title = TITLES[error.status] ?? 'Bad Request';
    return problem(c, error.status, title, error.message || title);
  }
  if (error instanceof AnalyticsUnavailableError) {
    c.header('retry-after', '10');
    return problem(c, 503, 'Service Unavailable', 'The analytics store does not answer; reports are back when it is.');
  }
  if (isPostgresUnavailable(error)) {
    logger.warn({ err: error, path: c.req.path }, 'postgres unavailable');
    c.header('retry-after', '2');
    return problem(c, 503, 'Service Unavailable', 'The database does not answer right now; try again shortly.');
  }
  logger.error({ err: error, path: c.req.path }, 'unhandled error');
  return problem(c, 500, 'Internal Server Error', 'Something went wrong on our side; it has been logged.');
}

/** zod-openapi calls this when a request fails its schema: one 400 shape for every route. */
export function onValidationFailure(result: { success: boolean; error?: unknown }, c: Context) {
  if (result.success) return;
  const issues = (result.error as z.ZodError).issues.map((issue) => ({
    path: issue.path.join('.'),
    message: issue.message,
  }));
  const detail = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  return problem(c, 400, 'Bad Request', detail, { issues });
}
