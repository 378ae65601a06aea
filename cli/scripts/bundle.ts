import { readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
/** What `bin/run.js` imports; it is written last, so its time says when the whole build began. */
const ENTRY = join(dist, 'main.js');
/**
 * Bundled: what every client command loads at start. @oclif/core alone is about 110 files, and
 * one file of it loads in half the time. Everything else is loaded from node_modules when a
 * command uses it: the server's packages, the prompts, jq's WebAssembly, the tables.
 */
const BUNDLED = new Set(['@oclif/core', 'openapi-fetch', 'string-width', 'whatwg-fetch']);

/**
 * Builds `cli/dist`: `main.js` (oclif's `execute`) and one module per command, sharing their code
 * in chunks, with one copy of oclif among them. The manifest's build runs it, so every install
 * does, and `bin/run.js` does when a source is newer than `main.js`. Each file is written aside and
 * renamed into place, so a command starting meanwhile reads whole files, and the same sources give
 * the same files.
 */
export async function buildBundle(): Promise<void> {
  const began = new Date();
  const { dependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const commands = (await readdir(join(root, 'src/commands'), { recursive: true }))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(root, 'src/commands', file));
  const { outputFiles } = await build({
    entryPoints: [join(root, 'src/main.ts'), ...commands],
    outdir: dist,
    outbase: join(root, 'src'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    external: Object.keys(dependencies).filter((name) => !BUNDLED.has(name)),
    inject: [join(root, 'src/fetch-api.ts')],
    // Reading Node's `process.versions.undici` loads undici, and openapi-fetch reads it on every
    // client it makes, to learn whether its fetch takes undici's options. In the bundle, undici
    // sends nothing: `http.ts` does.
    define: { 'process.versions.undici': 'undefined' },
    // oclif is CommonJS: its require() of node's modules needs a require in an ES module.
    banner: {
      js: "import { createRequire as requireOfBundle } from 'node:module';\nconst require = requireOfBundle(import.meta.url);",
    },
    write: false,
    logLevel: 'error',
  });
  const files = await Promise.all(
    outputFiles.map(async ({ path, text }) => ({ path, text: await withEagerModules(path, text) })),
  );
  const entry = files.find((file) => file.path === ENTRY);
  for (const file of files) if (file !== entry) await replace(file.path, file.text);
  if (entry) await replace(entry.path, entry.text);
  await utimes(ENTRY, began, began);
  const built = new Set(outputFiles.map((file) => file.path));
  for (const file of await readdir(dist, { recursive: true })) {
    const path = join(dist, file);
    if (path.endsWith('.js') && !built.has(path)) await rm(path, { force: true });
  }
}

/**
 * The chunk with each module esbuild wrapped (`__commonJS({ "path"(exports, module) { … } })`, and
 * `__esm` alike) written as a function in parentheses, `"path": (function (exports, module) { … })`,
 * which is the same function. V8 compiles a function when it is first called unless parentheses
 * say it soon will be, and Node's compile cache holds what was compiled with the file: left as
 * they were, all of oclif's modules were compiled again at every start, about 15 ms of it. The
 * chunk is parsed again after, so a wrapper not in the form expected fails the build.
 */
async function withEagerModules(path: string, code: string): Promise<string> {
  const lines = code.split('\n');
  let wrapped = 0;
  for (let i = 1; i < lines.length; i++) {
    const opening = /^ {2}("[^"]+")\(([^)]*)\) \{$/.exec(lines[i] as string);
    if (!opening || !/ = __(commonJS|esm)\(\{$/.test(lines[i - 1] as string)) continue;
    const closing = lines.indexOf('  }', i + 1);
    if (closing < 0 || lines[closing + 1] !== '});') throw new Error(`${path}:${i + 1}: a module wrapper with no end`);
    lines[i] = `  ${opening[1]}: (function (${opening[2]}) {`;
    lines[closing] = '  })';
    wrapped++;
  }
  const modules = code.match(/ = __(commonJS|esm)\(\{$/gm)?.length ?? 0;
  if (wrapped !== modules)
    throw new Error(`${path}: ${wrapped} of its ${modules} module wrappers are in the form expected`);
  const result = lines.join('\n');
  await transform(result, { format: 'esm', logLevel: 'silent' });
  return result;
}

async function replace(path: string, contents: string) {
  await mkdir(dirname(path), { recursive: true });
  const aside = `${path}.${process.pid}.tmp`;
  await writeFile(aside, contents);
  await rename(aside, path);
}
