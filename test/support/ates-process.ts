import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const RUN = fileURLToPath(new URL('../../cli/bin/run.js', import.meta.url));
const CI = fileURLToPath(new URL('../../.ci/', import.meta.url));

/** Runs one of the project's own service scripts (`.ci/postgres.sh restart`) and returns its exports. */
export async function service(script: 'postgres.sh' | 'clickhouse.sh', ...args: string[]) {
  const { stdout } = await promisify(execFile)('bash', [join(CI, script), ...args], { timeout: 300_000 });
  return Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
}

export type Role = 'api' | 'workers';

/** One `ates server start --api-only|--workers-only` process of the real binary, restartable. */
export class AtesProcess {
  readonly name: string;
  private readonly role: Role;
  private readonly env: NodeJS.ProcessEnv;
  private child: ChildProcess | undefined;
  private home = '';
  port = 0;
  log = '';
  /** Exits nobody asked for: a crash the suite reports with the process's last words. */
  readonly crashes: string[] = [];
  private stopping = false;

  constructor(name: string, role: Role, env: NodeJS.ProcessEnv) {
    this.name = name;
    this.role = role;
    this.env = env;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the process and resolves once it says it is running. */
  async start(): Promise<void> {
    this.home ||= await mkdtemp(join(tmpdir(), `ates-${this.name}-`));
    const args = ['server', 'start', `--${this.role}-only`, '--home', this.home, '--port', String(this.port)];
    const child = spawn(process.execPath, [RUN, ...args], {
      env: { ...process.env, ...this.env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.stopping = false;
    child.once('exit', (code, signal) => {
      if (!this.stopping) this.crashes.push(`${this.name} exited (${code ?? signal}):\n${this.log.slice(-6000)}`);
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        this.log += chunk;
        for (const text of chunk.toString().split('\n')) {
          if (!text.startsWith('{')) continue;
          const line = JSON.parse(text) as { msg?: string; api?: string };
          if (line.msg !== 'aTES is running') continue;
          if (line.api) this.port = Number(new URL(line.api).port);
          resolve();
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        this.log += chunk;
      });
      child.once('exit', (code, signal) =>
        reject(new Error(`${this.name} exited (${code ?? signal}) before it ran:\n${this.log.slice(-4000)}`)),
      );
    });
  }

  /** SIGKILL: no shutdown of any kind, as when a machine dies. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM, and the exit code it stopped with. */
  async stop(): Promise<number | null> {
    return this.signal('SIGTERM');
  }

  private signal(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child?.exitCode ?? null);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    this.stopping = true;
    child.kill(signal);
    return exited;
  }
}
