import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';

export const API_TYPES_PATH = fileURLToPath(new URL('../src/api.d.ts', import.meta.url));
const DOCUMENT_SCRIPT = fileURLToPath(new URL('../../api/scripts/openapi.ts', import.meta.url));

/** The API's types from its OpenAPI document, which the API's own script prints from its route definitions. */
export async function buildApiTypes(): Promise<string> {
  const document = execFileSync(process.execPath, [DOCUMENT_SCRIPT], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return COMMENT_HEADER + astToString(await openapiTS(JSON.parse(document)));
}

/** `node cli/scripts/api-types.ts` writes `cli/src/api.d.ts`; `--check` fails when it is stale. */
async function main(check: boolean): Promise<number> {
  const built = await buildApiTypes();
  if (!check) {
    await writeFile(API_TYPES_PATH, built);
    return 0;
  }
  const shipped = await readFile(API_TYPES_PATH, 'utf8').catch(() => '');
  if (shipped === built) return 0;
  console.error(`${API_TYPES_PATH} is stale: run \`npx -y pnpm@10 api-types\` (the API's routes changed).`);
  return 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exit(await main(process.argv.includes('--check')));
