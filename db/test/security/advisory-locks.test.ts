import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ADVISORY_LOCKS } from '../../src/postgres/advisory-locks.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const PACKAGES = ['db', 'api', 'jobs', 'cli'];

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
}

/** Every advisory-lock call in the sources, with what it passes as the key. */
async function advisoryLockCalls(): Promise<{ file: string; key: string }[]> {
  const calls: { file: string; key: string }[] = [];
  for (const pkg of PACKAGES) {
    for (const file of await sourceFiles(join(ROOT, pkg, 'src'))) {
      const text = await readFile(file, 'utf8');
      for (const match of text.matchAll(/pg_(?:try_)?advisory_(?:xact_)?(?:un)?lock(?:_shared)?\(([^)]*)\)/g)) {
        calls.push({ file: relative(ROOT, file), key: match[1] ?? '' });
      }
    }
  }
  return calls;
}

describe('advisory-lock keys', () => {
  it('are distinct: no two features serialize each other by accident', () => {
    const keys = Object.values(ADVISORY_LOCKS);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) expect(Number.isSafeInteger(key)).toBe(true);
  });

  it('come from the registry at every call site, never as a number written in place', async () => {
    const calls = await advisoryLockCalls();
    expect(calls.length).toBeGreaterThanOrEqual(Object.keys(ADVISORY_LOCKS).length);
    const names = new Set(Object.keys(ADVISORY_LOCKS));
    for (const { file, key } of calls) {
      const name = /^\$\{ADVISORY_LOCKS\.(\w+)\}(?:,|$)/.exec(key)?.[1];
      expect(name && names.has(name) ? 'from the registry' : `${file}: ${key}`).toBe('from the registry');
    }
    const used = new Set(calls.map(({ key }) => /ADVISORY_LOCKS\.(\w+)/.exec(key)?.[1]));
    expect([...names].filter((name) => !used.has(name))).toEqual([]);
  });
});
