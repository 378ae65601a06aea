import type { Client, ClientPathsWithMethod, MethodResponse } from 'openapi-fetch';
import type { components, paths } from './api.d.ts';

/**
 * The aTES API as its OpenAPI document describes it (`api.d.ts`, generated from the API's routes by
 * `pnpm api-types`): every path with its parameters, body and answers.
 */
export type Api = Client<paths>;

/** A schema of the API's document by name: `Schema<'Task'>` is a task as the API answers it. */
export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name];

/**
 * The body of a success of `method path` as the client answers it: `Reply<'get', '/v1/me'>`. It can
 * differ from the schema, which openapi-fetch reads through a filter that drops a field whose only
 * value is `null` (the `nextCursor: null` of the lists that are never paged).
 */
export type Reply<Method extends 'get' | 'post', Path extends ClientPathsWithMethod<Api, Method>> = MethodResponse<
  Api,
  Method,
  Path
>;

/** What a call of the client settles to, as openapi-fetch has it: the body of a success, or what the API answered instead. */
export type Answer<Data = unknown> =
  | { data: Data; error?: never; response: Response }
  | { data?: never; error: unknown; response: Response };

/** The body of a call's success; `undefined` for a 204. */
export type Body<A extends Answer> = A extends { data: infer Data; error?: never }
  ? [Data] extends [never]
    ? undefined
    : Data
  : never;
