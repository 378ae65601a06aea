import { readFile, writeFile } from 'node:fs/promises';

/**
 * A file built from the sources, written on every install: `check` compares instead of writing and
 * fails (exit 1, with what to run) when the file is stale, for `pnpm check`.
 */
export async function writeOrCheck(path: string, built: string, check: boolean, rebuild: string): Promise<number> {
  if (!check) {
    await writeFile(path, built);
    return 0;
  }
  const shipped = await readFile(path, 'utf8').catch(() => '');
  if (shipped === built) return 0;
  console.error(`${path} is stale: run \`npx -y pnpm@10 ${rebuild}\`.`);
  return 1;
}
