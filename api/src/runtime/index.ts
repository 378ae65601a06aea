/** `@ates/api/runtime`: the stores, the API and the workers composed into one process, as `ates server start` runs them. */
export * from './runtime.ts';
