import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ROUNDS, type Timing } from './cli-start-up.ts';
import { benchStack, call, untilAssignable } from './support.ts';

const RUN = fileURLToPath(new URL('../cli/bin/run.js', import.meta.url));
const TIMER = fileURLToPath(new URL('./cli-start-up.ts', import.meta.url));
const TASKS = 50;
const WARM_UP_CALLS = 300;
const TARGET_MS = 250;
const TARGET_MIB = 100;

/**
 * `ates --version`, `ates whoami` and `ates task list` as a person runs them, against a running
 * server: the median wall time and peak memory of each, beside a bare `node -e 0`.
 */
export async function benchCli(): Promise<void> {
  const stack = await benchStack();
  const { runtime, api, boss, home } = stack;
  try {
    await call(api, 'POST', '/v1/employees', boss, {
      email: 'worker@popug.inc',
      fullName: 'Bench Worker',
      role: 'worker',
      password: 'bench-worker-password',
    });
    await untilAssignable(runtime.conn.db, 1);
    for (let i = 0; i < TASKS; i++) await call(api, 'POST', '/v1/tasks', boss, { title: `Bench task ${i}` });
    // Timed on a server as a person finds it: at rest, not while its workers apply the set-up's
    // events, and warm, its routes compiled by V8 rather than interpreted on their first calls.
    await runtime.bus.settle();
    for (let i = 0; i < WARM_UP_CALLS; i++) {
      await call(api, 'GET', '/v1/me', boss);
      await call(api, 'GET', '/v1/tasks', boss);
    }
    const env = { ...process.env, ATES_API_URL: api, ATES_TOKEN: boss.token, XDG_CONFIG_HOME: home, NO_COLOR: '1' };
    const rows: [string, string[]][] = [
      ['node -e 0 (for scale)', ['-e', '0']],
      ['ates --version', [RUN, '--version']],
      ['ates whoami', [RUN, 'whoami']],
      [`ates task list (${TASKS} tasks)`, [RUN, 'task', 'list']],
    ];
    const load = loadavg()[0]?.toFixed(1);
    console.log(
      `CLI start-up, median of ${ROUNDS} runs each, taking turns (target ≤ ${TARGET_MS} ms and ≤ ${TARGET_MIB} MiB; load average ${load}):`,
    );
    const timings = await timedApart(
      rows.map(([, args]) => args),
      env,
    );
    for (const [i, [label]] of rows.entries()) {
      const { wallMs, peakMiB } = timings[i] as Timing;
      console.log(
        `  ${label.padEnd(28)} ${String(Math.round(wallMs)).padStart(4)} ms  ${peakMiB.toFixed(0).padStart(3)} MiB`,
      );
    }
  } finally {
    await stack.stop();
  }
}

/**
 * Times the commands from a small process of its own (`cli-start-up.ts`), as a shell starts them.
 * Started from this one, which holds the whole stack, each run took 20-60 ms longer: Linux copies
 * the page tables of the process that forks, and this one's are 500 MiB deep.
 */
async function timedApart(commands: string[][], env: NodeJS.ProcessEnv): Promise<Timing[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [TIMER, JSON.stringify(commands)], { env });
  return JSON.parse(stdout) as Timing[];
}
