import { settings } from '@oclif/core';

/**
 * What `bin/run.js` starts: bundled with the commands (scripts/bundle.ts), so they share one oclif.
 * The commands run from the bundle alone. Under NODE_ENV=development or test, oclif would otherwise
 * register tsx, found through the NODE_PATH that pnpm's `node` sets, to look for their sources.
 */
settings.enableAutoTranspile = false;

export { execute } from '@oclif/core';
