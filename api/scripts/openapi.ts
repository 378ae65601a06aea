import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiSettings, createApp, DOCUMENT_PATH } from '../src/index.ts';

/** Where `ates server start` listens by default: the document's `servers` unless told otherwise. */
const DEFAULT_LISTEN_URL = 'http://127.0.0.1:4000';

/** Reading any store while the routes are built fails loudly: the document must come from the definitions alone. */
const noStore = new Proxy(
  {},
  {
    get(_, key) {
      throw new Error(
        `building the OpenAPI document read a store (${String(key)}): routes may reach stores per request only`,
      );
    },
  },
) as never;

/**
 * The document `GET /openapi.json` serves, built in-process with no server and no stores, its
 * `servers` being `listenUrl`. The environment is left out: what `pnpm check` lints and what the
 * CLI's types are generated from is the same on every machine.
 */
export async function openApiDocument(listenUrl = DEFAULT_LISTEN_URL): Promise<unknown> {
  const settings = apiSettings(listenUrl, randomBytes(32).toString('hex'), {});
  const app = createApp({ db: noStore, bus: noStore, analytics: noStore, settings });
  const response = await app.request(DOCUMENT_PATH);
  if (!response.ok) throw new Error(`GET ${DOCUMENT_PATH} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

/** `node api/scripts/openapi.ts [FILE]` writes the document to FILE, else to standard output. */
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const document = `${JSON.stringify(await openApiDocument(), null, 2)}\n`;
  const file = process.argv[2];
  if (file === undefined) process.stdout.write(document);
  else {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, document);
  }
}
