import { randomBytes } from 'node:crypto';
import type { ApiSettings } from '../../src/deps.ts';
import { apiSettings } from '../../src/settings.ts';

/** The defaults an API on port 4000 gets, with a secret of its own. */
export function testSettings(): ApiSettings {
  return apiSettings('http://127.0.0.1:4000', randomBytes(32).toString('base64url'), {});
}
