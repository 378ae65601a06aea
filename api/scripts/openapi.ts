import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { apiSettings, createApp } from '../src/index.ts';

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

/** The OpenAPI document, as `GET /openapi.json` serves it, built in-process with no server and no stores. */
export async function openApiDocument(): Promise<unknown> {
  const settings = apiSettings('http://127.0.0.1:4000', randomBytes(32).toString('hex'), {});
  const app = createApp({ db: noStore, bus: noStore, analytics: noStore, settings });
  return (await app.request('/openapi.json')).json();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(JSON.stringify(await openApiDocument()));
