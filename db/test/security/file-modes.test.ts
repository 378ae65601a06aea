import { existsSync, watch } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, readlink, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres } from '../../src/postgres/client.ts';
import { type EmbeddedPostgresHandle, nativePostgres, startEmbeddedPostgres } from '../../src/postgres/embedded.ts';

/** Every folder and file under `path` (following `path` itself if it is a link), with its mode. */
async function tree(path: string): Promise<{ path: string; mode: number; folder: boolean }[]> {
  const root = await realpath(path);
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const found = [{ path: root, mode: (await stat(root)).mode & 0o777, folder: true }];
  for (const entry of entries) {
    const full = join(entry.parentPath, entry.name);
    const info = await lstat(full);
    if (info.isSymbolicLink()) continue;
    found.push({ path: full, mode: info.mode & 0o777, folder: info.isDirectory() });
  }
  return found;
}

const notPrivate = (entries: Awaited<ReturnType<typeof tree>>) =>
  entries.filter((e) => e.mode !== (e.folder ? 0o700 : 0o600)).map((e) => `${e.path} ${e.mode.toString(8)}`);

let parent: string;
let home: string;
let spiedTmp: string;
const created: string[] = [];
let postgres: EmbeddedPostgresHandle;
const asRoot = userInfo().uid === 0;

beforeAll(async () => {
  parent = await mkdtemp(join(tmpdir(), 'ates-modes-'));
  home = join(parent, 'home');
  spiedTmp = await mkdtemp(join(tmpdir(), 'ates-modes-tmp-'));
  const watcher = watch(spiedTmp, (_event, name) => name && created.push(name));
  const tmp = process.env.TMPDIR;
  process.env.TMPDIR = spiedTmp;
  try {
    postgres = await startEmbeddedPostgres(home);
  } finally {
    if (tmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmp;
    watcher.close();
  }
});

afterAll(async () => {
  await postgres?.stop();
  await rm(parent, { recursive: true, force: true });
  await rm(spiedTmp, { recursive: true, force: true });
});

describe('the embedded Postgres on a new home', () => {
  it('runs, on a home only its owner can enter, with every file in it 0600 and folder 0700', async () => {
    const client = connectPostgres(postgres.url, { max: 1 });
    try {
      expect(await client.db.execute('select 1 as one')).toEqual([{ one: 1 }]);
    } finally {
      await client.close();
    }
    expect((await stat(home)).mode & 0o777).toBe(0o700);
    expect((await stat(join(home, 'postgres.secret'))).mode & 0o777).toBe(0o600);
    expect(notPrivate(await tree(home))).toEqual([]);
    expect(notPrivate(await tree(join(home, 'postgres')))).toEqual([]);
  });

  it('writes its password to no shared temporary folder', () => {
    expect(created).toEqual([]);
  });

  it('opens no folder above the home to anyone', async () => {
    expect((await stat(parent)).mode & 0o777).toBe(0o700);
  });

  it.runIf(asRoot)('as root, keeps the cluster in a folder of the postgres user, outside the home', async () => {
    const cluster = await realpath(join(home, 'postgres'));
    expect(cluster.startsWith(`${await realpath(home)}/`)).toBe(false);
    const owner = await stat(cluster);
    expect(owner.uid).not.toBe(0);
    const clusters = await stat(join(cluster, '..'));
    expect(clusters.uid).toBe(owner.uid);
    expect(clusters.mode & 0o777).toBe(0o700);
  });

  it.runIf(asRoot)(
    'as root, runs Postgres from a copy of its binaries there, so a private checkout is no obstacle',
    async () => {
      const cluster = await realpath(join(home, 'postgres'));
      const [pid] = (await readFile(join(cluster, 'postmaster.pid'), 'utf8')).split('\n');
      const executable = await readlink(`/proc/${pid}/exe`);
      expect(executable).toBe(join(cluster, '..', `postgres-${nativePostgres().version}`, 'bin', 'postgres'));
    },
  );

  it.runIf(asRoot)('as root, sweeps the cluster of a home that is gone at the next start', async () => {
    const cluster = await realpath(join(home, 'postgres'));
    await postgres.stop();
    await rm(home, { recursive: true, force: true });
    const next = join(parent, 'next');
    postgres = await startEmbeddedPostgres(next);
    expect(existsSync(cluster)).toBe(false);
    expect(notPrivate(await tree(next))).toEqual([]);
  });
});
