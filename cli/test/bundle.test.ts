import { readFile, stat, utimes } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ates } from '../../test/support/cli.ts';

const ENTRY = fileURLToPath(new URL('../dist/main.js', import.meta.url));

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
});
