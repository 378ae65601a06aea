/** What `bin/run.js` starts: bundled with the commands (scripts/bundle.ts), so they share one oclif. */
export { execute } from '@oclif/core';
