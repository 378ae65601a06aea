import { readdir, readFile, stat, utimes } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ates } from '../../test/support/cli.ts';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const ENTRY = `${DIST}main.js`;

describe('the bundle the commands run from (cli/dist)', () => {
  it('is rebuilt by the next command when a source is newer than it, into the same files', async () => {
    const built = await readFile(ENTRY, 'utf8');
    const longAgo = new Date('2020-01-01T00:00:00Z');
    await utimes(ENTRY, longAgo, longAgo);

    const { code, stdout, stderr } = await ates(['--version']);

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^@ates\/cli\/\S+ /);
    expect((await stat(ENTRY)).mtime.getTime()).toBeGreaterThan(longAgo.getTime());
    expect(await readFile(ENTRY, 'utf8')).toBe(built);
  });

  it('has every module it wraps in parentheses, so the compile cache keeps it compiled', async () => {
    const chunks = (await readdir(DIST, { recursive: true })).filter((file) => file.endsWith('.js'));
    let wrapped = 0;
    for (const chunk of chunks) {
      const code = await readFile(`${DIST}${chunk}`, 'utf8');
      expect(code, chunk).not.toMatch(/ = __(commonJS|esm)\(\{\n {2}"[^"]+"\(/);
      wrapped += code.match(/ = __(commonJS|esm)\(\{\n {2}"[^"]+": \(function \(/g)?.length ?? 0;
    }
    // oclif alone is over a hundred CommonJS modules.
    expect(wrapped).toBeGreaterThan(100);
  });
});
