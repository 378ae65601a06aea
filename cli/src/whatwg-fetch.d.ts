declare module 'whatwg-fetch' {
  /** The Fetch API's classes in plain JavaScript (the package's `fetch.js`), typed as the standard ones. */
  export const Headers: typeof globalThis.Headers;
  export const Request: typeof globalThis.Request;
  export const Response: typeof globalThis.Response;
}
