import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Runtime, startRuntime } from '@ates/api/runtime';
import {
  connectPostgres,
  type Executor,
  migratePostgres,
  type PostgresConnection,
  startEmbeddedPostgres,
} from '@ates/db';
import { EventBus } from '@ates/db/bus';
import { sql } from 'drizzle-orm';

export interface BenchDatabase {
  url: string;
  conn: PostgresConnection;
  bus: EventBus;
  stop(): Promise<void>;
}

/** A fresh embedded Postgres, migrated, with the bus started: what each benchmark runs on. */
export async function benchDatabase(): Promise<BenchDatabase> {
  const home = await mkdtemp(join(tmpdir(), 'ates-bench-'));
  const postgres = await startEmbeddedPostgres(home);
  await migratePostgres(postgres.url);
  const conn = connectPostgres(postgres.url);
  const bus = new EventBus(postgres.url, conn.db);
  await bus.start();
  return {
    url: postgres.url,
    conn,
    bus,
    async stop() {
      await bus.stop();
      await conn.close();
      await postgres.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

export const count = (n: number) => Math.round(n).toLocaleString('en-US');
export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** A signed-in caller of the HTTP API. */
export interface Session {
  token: string;
  headers: Record<string, string>;
}

export async function signIn(api: string, email: string, password: string): Promise<Session> {
  const response = await fetch(`${api}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: api },
    body: JSON.stringify({ email, password }),
  });
  const token = response.headers.get('set-auth-token');
  if (!response.ok || !token)
    throw new Error(`sign-in of ${email} failed: ${response.status} ${await response.text()}`);
  return { token, headers: { authorization: `Bearer ${token}` } };
}

export async function call(api: string, method: string, path: string, as: Session, body?: unknown): Promise<unknown> {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: body === undefined ? as.headers : { ...as.headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(payload)}`);
  return payload;
}

/** The tasks context learns of new employees through events: wait until it knows them all. */
export async function untilAssignable(db: Executor, n: number): Promise<void> {
  for (;;) {
    const [row] = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from tasks.employee where active and role not in ('admin', 'manager')`,
    );
    if ((row?.n ?? 0) >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface BenchStack {
  runtime: Runtime;
  api: string;
  home: string;
  /** The first admin, signed in. */
  boss: Session;
  stop(): Promise<void>;
}

/** The whole stack in one process on a fresh home, as `ates server start` runs it, with its first admin signed in. */
export async function benchStack(): Promise<BenchStack> {
  const home = await mkdtemp(join(tmpdir(), 'ates-bench-'));
  const admin = { email: 'admin@popug.inc', password: 'bench-admin-password', fullName: 'Bench Admin' };
  const runtime = await startRuntime({ home, port: 0, firstAdmin: admin });
  const api = runtime.apiUrl ?? '';
  return {
    runtime,
    api,
    home,
    boss: await signIn(api, admin.email, admin.password),
    async stop() {
      await runtime.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}
