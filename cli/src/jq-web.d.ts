declare module 'jq-web' {
  interface JqWeb {
    /** Runs `filter` over the JSON text as the jq command line would, and returns what it prints. */
    raw(json: string, filter: string, flags?: string[]): string;
  }
  const jq: Promise<JqWeb>;
  export default jq;
}
