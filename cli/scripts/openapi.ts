import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiSettings, createApp, DOCUMENT_PATH } from '@ates/api';
import { connectPostgres, EventBus, openAnalyticsOnDemand } from '@ates/db';
import { DEFAULT_API_URL } from '../src/base-command.ts';

/** Never dialled: the stores' clients connect on their first query, and building the document makes none. */
const UNUSED_DATABASE = 'postgres://ates@127.0.0.1:1/unused';

/**
 * The document `GET /openapi.json` serves, built in-process with no store running: the app is
 * made as `ates server start` makes it, and asked, anonymously, for the document. Its `servers`
 * is ATES_PUBLIC_URL, else `listenUrl` (by default where `ates server start` listens).
 */
export async function buildOpenApiDocument(listenUrl = DEFAULT_API_URL): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'ates-openapi-'));
  const conn = connectPostgres(UNUSED_DATABASE, { max: 1 });
  const analytics = openAnalyticsOnDemand({ home });
  try {
    const settings = apiSettings(listenUrl, randomBytes(32).toString('base64url'));
    const bus = new EventBus(UNUSED_DATABASE, conn.db);
    const app = createApp({ db: conn.db, bus, analytics, settings });
    const response = await app.request(DOCUMENT_PATH);
    if (!response.ok) throw new Error(`GET ${DOCUMENT_PATH} answered ${response.status}: ${await response.text()}`);
    return `${JSON.stringify(await response.json(), null, 2)}\n`;
  } finally {
    await Promise.all([conn.close(), analytics.close()]);
    await rm(home, { recursive: true, force: true });
  }
}

/** `node cli/scripts/openapi.ts [FILE]` writes the document to FILE, else to standard output. */
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const document = await buildOpenApiDocument();
  const file = process.argv[2];
  if (file === undefined) process.stdout.write(document);
  else {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, document);
  }
}
