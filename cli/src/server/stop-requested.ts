import { readFileSync } from 'node:fs';
import { logger } from '@ates/db';

/**
 * Resolves on SIGINT or SIGTERM, or once a process that launched this one is gone. A supervisor
 * often signals only the top of a launch chain (`npx pnpm start` runs pnpm, which runs a shell,
 * which runs node): the processes between die on the signal without passing it on, and would
 * leave the server running, orphaned. Their death is taken as the same request to stop.
 */
export function stopRequested(): Promise<void> {
  const launchers = launchChain();
  return new Promise((resolve) => {
    const stop = (reason: string) => {
      clearInterval(watch);
      logger.info({ reason }, 'stopping: finishing the requests and batches in flight');
      resolve();
    };
    const watch = setInterval(() => {
      const gone = launchers.find((launcher) => !alive(launcher));
      if (gone) stop(`its launcher (pid ${gone.pid}) is gone`);
    }, 250);
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

interface ProcessStat {
  pid: number;
  state: string;
  ppid: number;
  group: number;
}

/**
 * The ancestors in this process's own process group, nearest first: the launchers (npx, pnpm,
 * shells) a job started. A shell's job runs in a group of its own, so the shell itself, or a
 * terminal closing behind `nohup`, is not among them. Empty where there is no /proc.
 */
function launchChain(): ProcessStat[] {
  const group = processStat(process.pid)?.group;
  const chain: ProcessStat[] = [];
  for (let pid = process.ppid; pid > 1; ) {
    const ancestor = processStat(pid);
    if (!ancestor || ancestor.group !== group) break;
    chain.push(ancestor);
    pid = ancestor.ppid;
  }
  return chain;
}

function alive(launcher: ProcessStat): boolean {
  const now = processStat(launcher.pid);
  return now !== undefined && now.state !== 'Z' && now.group === launcher.group;
}

function processStat(pid: number): ProcessStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state = '', ppid, group] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, state, ppid: Number(ppid), group: Number(group) };
  } catch {
    return undefined;
  }
}
