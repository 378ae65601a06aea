/**
 * The Fetch API's classes as the bundle sees them: `scripts/bundle.ts` injects this file, so every
 * `Headers`, `Request` and `Response` that a bundled module (ours, openapi-fetch) names is one of
 * these. Node's own are undici's, and touching any of them loads undici whole, HTTP/2 and TLS with
 * it: about 45 ms of every command's start, for objects that only carry a request to `http.ts` and
 * its answer back (docs/decisions/0010-fetch-classes.md). whatwg-fetch's are plain JavaScript.
 */
export { Headers, Request, Response } from 'whatwg-fetch';

/**
 * openapi-fetch asks whether a body is `instanceof FormData` before it sets the JSON content type,
 * and Node's `FormData` is undici's too. No body the CLI sends is form data, and none is an
 * instance of this class.
 */
export class FormData {}
