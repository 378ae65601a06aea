import { logger } from '@ates/db';
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

export const badRequest = (detail: string, extra?: Record<string, unknown>) =>
  new ApiError(400, 'Bad Request', detail, extra);
export const unauthorized = (detail = 'Sign in first: send a bearer token or an API key.') =>
  new ApiError(401, 'Unauthorized', detail);
export const forbidden = (detail: string, extra?: Record<string, unknown>) =>
  new ApiError(403, 'Forbidden', detail, extra);
export const notFound = (detail: string) => new ApiError(404, 'Not Found', detail);
export const conflict = (detail: string) => new ApiError(409, 'Conflict', detail);
export const payloadTooLarge = (detail: string) => new ApiError(413, 'Payload Too Large', detail);
export const unsupportedMediaType = (detail: string) => new ApiError(415, 'Unsupported Media Type', detail);
export const unprocessable = (detail: string) => new ApiError(422, 'Unprocessable Content', detail);
export const tooManyRequests = (detail: string, retryAfterSeconds: number) =>
  new ApiError(429, 'Too Many Requests', detail, { retryAfterSeconds });
export const serviceUnavailable = (detail: string) => new ApiError(503, 'Service Unavailable', detail);

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

export function problemResponses(...statuses: ProblemStatus[]) {
  const descriptions: Record<ProblemStatus, string> = {
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
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: descriptions[status], content: { 'application/problem+json': { schema: ProblemSchema } } },
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
  if (error instanceof HTTPException) {
    const title = error.status === 401 ? 'Unauthorized' : error.status === 429 ? 'Too Many Requests' : 'Bad Request';
    return problem(c, error.status, title, error.message || title);
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
