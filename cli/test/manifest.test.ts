import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildManifest, MANIFEST_PATH } from '../scripts/manifest.ts';

describe('the oclif manifest', () => {
  it('matches the commands as they are now (`pnpm manifest` rebuilds it; every install does)', async () => {
    const shipped = await readFile(MANIFEST_PATH, 'utf8').catch(() => 'missing');
    expect(shipped, 'cli/oclif.manifest.json is stale: run `npx -y pnpm@10 manifest`').toBe(await buildManifest());
  });
});
