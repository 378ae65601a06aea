#!/usr/bin/env node
// Plain JavaScript any Node can parse: it picks a Node that can run the commands before oclif
// loads, rebuilds the bundle they run from (scripts/bundle.ts) when a source is newer, and turns on
// the compile cache so later starts skip parsing.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

const NEEDED = 24;
const here = fileURLToPath(import.meta.url);
const workspace = fileURLToPath(new URL('../../', import.meta.url));

if (Number(process.versions.node.split('.')[0]) < NEEDED) {
  const node = ['node_modules/node/bin/node', 'node_modules/.bin/node']
    .map((path) => `${workspace}${path}`)
    .find((path) => existsSync(path));
  if (!node) {
    console.error(
      `ates needs Node ${NEEDED} (this is ${process.version}): run \`npx -y pnpm@10 install\` in ${workspace}, then \`npx -y pnpm@10 ates ${process.argv.slice(2).join(' ')}\`.`,
    );
    process.exit(1);
  }
  const child = spawn(node, [here, ...process.argv.slice(2)], { stdio: 'inherit' });
  // Ctrl-C reaches the child from the terminal itself; a second SIGINT from here would cut its clean stop short.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
} else {
  module.enableCompileCache?.(`${workspace}node_modules/.cache/ates-compile`);
  // The Node version is checked above; oclif's own check would load semver on every start.
  process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1';
  // A reader that stops early (`ates task list | head -3`) closes the pipe: the output is over, and
  // nothing failed that had not failed already (the exit code set so far stands). Unhandled, oclif
  // waited on stdout forever and Node printed a warning instead.
  process.stdout.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit();
  });
  const entry = new URL('../dist/main.js', import.meta.url);
  const script = new URL('../scripts/bundle.ts', import.meta.url);
  if (bundleIsStale(fileURLToPath(entry), fileURLToPath(script), fileURLToPath(new URL('../src/', import.meta.url)))) {
    const { buildBundle } = await import(script.href);
    await buildBundle();
  }
  const { execute } = await import(entry.href);
  await execute({ dir: import.meta.url });
}

/** True when the bundle is missing, or its build script or a source (type declarations aside) changed after it was built. */
function bundleIsStale(entry, script, sources) {
  const built = statSync(entry, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (statSync(script).mtimeMs > built) return true;
  return readdirSync(sources, { recursive: true })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .some((file) => statSync(`${sources}${file}`).mtimeMs > built);
}
