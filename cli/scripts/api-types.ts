import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { writeOrCheck } from './generated.ts';

export const API_TYPES_PATH = fileURLToPath(new URL('../src/api.d.ts', import.meta.url));
const DOCUMENT_SCRIPT = fileURLToPath(new URL('../../api/scripts/openapi.ts', import.meta.url));

/** The API's types from its OpenAPI document, which the API's own script prints from its route definitions. */
export async function buildApiTypes(): Promise<string> {
  const document = execFileSync(process.execPath, [DOCUMENT_SCRIPT], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return COMMENT_HEADER + astToString(await openapiTS(JSON.parse(document)));
}

/** `node cli/scripts/api-types.ts` writes `cli/src/api.d.ts` (every install does); `--check` fails when it is stale. */
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  process.exit(await writeOrCheck(API_TYPES_PATH, await buildApiTypes(), check, 'api-types'));
}
