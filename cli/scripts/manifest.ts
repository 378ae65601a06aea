import { fileURLToPath } from 'node:url';
import { Plugin } from '@oclif/core';
import { buildBundle } from './bundle.ts';
import { writeOrCheck } from './generated.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
export const MANIFEST_PATH = fileURLToPath(new URL('../oclif.manifest.json', import.meta.url));

/**
 * What oclif reads at start instead of importing every command module to learn its flags and help,
 * read from the bundle the commands run from, which is built first.
 */
export async function buildManifest(): Promise<string> {
  await buildBundle();
  const plugin = new Plugin({ root, type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true });
  await plugin.load();
  // oclif lists the commands in the order its file search found them, which varies: sorted, the
  // file is the same from one build to the next.
  const { commands, ...rest } = plugin.manifest;
  const sorted = Object.fromEntries(Object.entries(commands).sort(([a], [b]) => a.localeCompare(b)));
  return `${JSON.stringify({ ...rest, commands: sorted }, null, 2)}\n`;
}

/** `node cli/scripts/manifest.ts` writes the bundle and the manifest (every install does); `--check` fails when the manifest is stale. */
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  process.exit(await writeOrCheck(MANIFEST_PATH, await buildManifest(), check, 'manifest'));
}
