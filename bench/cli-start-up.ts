import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Timed rounds, and runs of each command that watch its memory. */
export const ROUNDS = 15;
const MEMORY_RUNS = 5;

export interface Timing {
  wallMs: number;
  peakMiB: number;
}

/**
 * Median wall time and peak RSS of each `node …args`. The commands take turns, round after round,
 * so that each sees the machine as the others do: on a shared machine `node -e 0` drifts by 20 ms
 * within a minute. Memory is watched in runs of its own, since reading /proc every 2 ms beside a
 * command slows it. The first round, which fills the compile cache, is not counted.
 */
async function measure(commands: string[][], env: NodeJS.ProcessEnv): Promise<Timing[]> {
  const walls = commands.map((): number[] => []);
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [i, args] of commands.entries()) {
      const started = performance.now();
      await exited(spawn(process.execPath, args, { env, stdio: 'ignore' }), args);
      if (round > 0) walls[i]?.push(performance.now() - started);
    }
  }
  const timings: Timing[] = [];
  for (const [i, args] of commands.entries()) {
    const peaks: number[] = [];
    for (let run = 0; run < MEMORY_RUNS; run++) peaks.push((await peakKiB(args, env)) / 1024);
    timings.push({ wallMs: median(walls[i] ?? []), peakMiB: median(peaks) });
  }
  return timings;
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

/** `node bench/cli-start-up.ts '[["-e","0"], …]'` prints the Timing of each command, for `bench/cli.ts`. */
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await measure(JSON.parse(process.argv[2] ?? '[]') as string[][], process.env)));
}
