import { readFile } from 'node:fs/promises';
import { Scalar } from '@scalar/hono-api-reference';
import type { App } from './env.ts';

const SCRIPT_PATH = '/docs/scalar.js';
/** @scalar/api-reference's one-file browser build; its package exports no path to it, so it is found beside its entry. */
const SCRIPT_FILE = new URL('browser/standalone.js', import.meta.resolve('@scalar/api-reference'));

/**
 * The interactive reference at /docs, of the document at `documentUrl`. Its script comes from the
 * installed @scalar/api-reference, and whatever of Scalar's would reach its own services (fonts,
 * its AI agent, telemetry, the developer toolbar it shows on localhost) is off: the page works with
 * no internet and tells no one it was opened.
 */
export function registerReference(app: App, documentUrl: string) {
  let script: Promise<Buffer> | undefined;
  app.get(SCRIPT_PATH, async (c) => {
    // A failed read is forgotten, so the next request tries the file again.
    script ??= readFile(SCRIPT_FILE).catch((error: unknown) => {
      script = undefined;
      throw error;
    });
    return c.body(new Uint8Array(await script), 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=86400',
    });
  });
  app.get(
    '/docs',
    Scalar({
      url: documentUrl,
      pageTitle: 'aTES API reference',
      cdn: SCRIPT_PATH,
      withDefaultFonts: false,
      telemetry: false,
      agent: { disabled: true },
      showDeveloperTools: 'never',
    }),
  );
}
