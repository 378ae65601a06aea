import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchStack, call, untilAssignable } from './support.ts';

const RUN = fileURLToPath(new URL('../cli/bin/run.js', import.meta.url));
/** Timed runs of each command, and runs that watch its memory. */
const RUNS = 15;
const MEMORY_RUNS = 5;
const TASKS = 50;
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
    const env = { ...process.env, ATES_API_URL: api, ATES_TOKEN: boss.token, XDG_CONFIG_HOME: home, NO_COLOR: '1' };
    const rows: [string, string[]][] = [
      ['node -e 0 (for scale)', ['-e', '0']],
      ['ates --version', [RUN, '--version']],
      ['ates whoami', [RUN, 'whoami']],
      [`ates task list (${TASKS} tasks)`, [RUN, 'task', 'list']],
    ];
    const load = loadavg()[0]?.toFixed(1);
    console.log(
      `CLI start-up, median of ${RUNS} runs each (target ≤ ${TARGET_MS} ms and ≤ ${TARGET_MIB} MiB; load average ${load}):`,
    );
    for (const [label, args] of rows) {
      const { wallMs, peakMiB } = await measure(args, env);
      console.log(
        `  ${label.padEnd(28)} ${String(Math.round(wallMs)).padStart(4)} ms  ${peakMiB.toFixed(0).padStart(3)} MiB`,
      );
    }
  } finally {
    await stack.stop();
  }
}

/**
 * Median wall time and peak RSS of `node …args`, from separate runs: watching the memory means
 * reading /proc every 2 ms beside the command, which slows what it watches. The first run, which
 * fills the compile cache, is not counted.
 */
async function measure(args: string[], env: NodeJS.ProcessEnv) {
  const walls: number[] = [];
  const peaks: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const started = performance.now();
    await exited(spawn(process.execPath, args, { env, stdio: 'ignore' }), args);
    if (run > 0) walls.push(performance.now() - started);
  }
  for (let run = 0; run < MEMORY_RUNS; run++) peaks.push((await peakKiB(args, env)) / 1024);
  return { wallMs: median(walls), peakMiB: median(peaks) };
}

/** The kernel's high-water mark of a run's memory (VmHWM): it only grows, so the last reading is the peak. */
async function peakKiB(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, args, { env, stdio: 'ignore' });
  let peak = 0;
  const watch = setInterval(() => {
    peak = Math.max(peak, highWaterMarkKiB(child.pid));
  }, 2);
  await exited(child, args).finally(() => clearInterval(watch));
  return peak;
}

async function exited(child: ChildProcess, args: string[]) {
  const code = await new Promise((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}`);
}

function highWaterMarkKiB(pid: number | undefined): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
