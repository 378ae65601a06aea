/** A compiled `--jq` filter: the text jq prints for a value (strings raw, as `jq -r`), or jq's error. */
export type Jq = (json: unknown) => { output: string; error?: string };

interface JqError extends Error {
  exitCode?: number;
  stderr?: string;
}

/** jq's exit code for a filter that does not compile. */
const COMPILE_ERROR = 3;

/**
 * The real jq, compiled to WebAssembly (jq-web), loaded only when `--jq` is given. A filter that
 * does not compile is rejected before the command runs.
 */
export async function loadJq(filter: string): Promise<Jq> {
  const jq = await (await import('jq-web')).default;
  /** jq-web runs jq's main(), whose exit status Emscripten leaves in process.exitCode: keep ours. */
  const run = (json: string) => {
    const exitCode = process.exitCode;
    try {
      return jq.raw(json, filter, ['-r']);
    } finally {
      process.exitCode = exitCode;
    }
  };
  const apply: Jq = (json) => {
    try {
      return { output: run(JSON.stringify(json)) };
    } catch (error) {
      return { output: '', error: ((error as JqError).stderr ?? (error as Error).message).trim() };
    }
  };
  try {
    run('null');
  } catch (error) {
    const failure = error as JqError;
    if (failure.exitCode === COMPILE_ERROR)
      throw new Error(`The --jq filter does not compile: ${failure.stderr?.trim()}`);
  }
  return apply;
}
