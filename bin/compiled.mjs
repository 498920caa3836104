// Talon is written in TypeScript. Compiling it on every start (tsx) costs about 2 s, so the CLI runs
// a JavaScript build made by esbuild instead: at install (`npm ci` runs `prepare`), by `npm run build`,
// or here on first use. A build lives in dist/<fingerprint>/, where the fingerprint covers the path,
// size and modification time of every source file: a source edit, a new module or a rebase changes the
// fingerprint, so a stale build is never run; the next start builds again (about a second) and, when
// esbuild cannot build, falls back to the sources through tsx.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE_DIRS = ['src', 'workers'];
const DIST = join(ROOT, 'dist');
/** Builds kept besides the current one: long-running processes may still load chunks from them. */
const KEEP_OLD_BUILDS = 3;

function listSources(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) listSources(full, out);
    else if (/\.(ts|json)$/.test(entry.name)) out.push(full);
  }
  return out;
}

/** A short hash of every source file's path, size and mtime, plus this file's (the build settings). */
export function sourceFingerprint() {
  const hash = createHash('sha256');
  const files = SOURCE_DIRS.flatMap((dir) => listSources(join(ROOT, dir), [])).sort();
  for (const file of [...files, fileURLToPath(import.meta.url), join(ROOT, 'package.json')]) {
    const info = statSync(file);
    hash.update(`${relative(ROOT, file)}\0${info.size}\0${Math.floor(info.mtimeMs)}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * Pure-JavaScript libraries the validator needs are bundled in: loading their hundreds of small CommonJS
 * files costs more than the rest of `talon validate`. Every other dependency stays external (some read
 * files beside their code, e.g. bullmq's Lua scripts, pino's worker threads).
 */
const BUNDLED = ['ajv', 'yaml', 'jsonata', 'commander'];

function externalPackages() {
  const { dependencies = {}, devDependencies = {} } = JSON.parse(
    readFileSync(join(ROOT, 'package.json'), 'utf8'),
  );
  const names = [...Object.keys(dependencies), ...Object.keys(devDependencies)].filter(
    (n) => !BUNDLED.includes(n),
  );
  return names.flatMap((name) => [name, `${name}/*`]);
}

/** Entry points: the CLI and the process entry points in workers/; commands become their own chunks. */
function entryPoints() {
  const workers = readdirSync(join(ROOT, 'workers'))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(ROOT, 'workers', name));
  return [join(ROOT, 'src/cli/index.ts'), ...workers];
}

/**
 * Builds into dist/<fingerprint>/ unless that build exists. Several processes may build at once: each
 * writes its own temporary directory and renames it into place; the loser discards its copy.
 */
export async function buildCli({ quiet = true } = {}) {
  const fingerprint = sourceFingerprint();
  const target = join(DIST, fingerprint);
  if (existsSync(join(target, 'src/cli/index.js'))) return target;
  const { build } = await import('esbuild');
  const temporary = join(DIST, `.tmp-${fingerprint}-${process.pid}`);
  const validator = await precompiledValidator(build, temporary);
  await build({
    entryPoints: entryPoints(),
    outdir: temporary,
    outbase: ROOT,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: externalPackages(),
    // Bundled CommonJS code calls require() for Node built-ins; ES modules have none, so give them one.
    banner: {
      js: "import { createRequire as __talonRequire } from 'node:module'; const require = __talonRequire(import.meta.url);",
    },
    sourcemap: 'linked',
    logLevel: quiet ? 'error' : 'info',
    plugins: [validator],
  });
  try {
    renameSync(temporary, target);
  } catch {
    rmSync(temporary, { recursive: true, force: true });
  }
  pruneOldBuilds(fingerprint);
  return target;
}

const VALIDATOR_MODULE = join(ROOT, 'src/playbook/playbook-validator.ts');

/**
 * An esbuild plugin that puts the playbook schema's standalone validator code in place of
 * src/playbook/playbook-validator.ts: compiling the schema at every `talon validate` cost more than
 * everything else it does. The code comes from that module's own playbookValidatorSource(), run here
 * from a throwaway bundle, so schema and options are exactly those of the sources.
 */
async function precompiledValidator(build, temporary) {
  const generator = `${temporary}-validator.mjs`;
  await build({
    entryPoints: [VALIDATOR_MODULE],
    outfile: generator,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    banner: {
      js: "import { createRequire as __talonRequire } from 'node:module'; const require = __talonRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  let source;
  try {
    source = (await import(pathToFileURL(generator).href)).playbookValidatorSource();
  } finally {
    rmSync(generator, { force: true });
  }
  return {
    name: 'talon-precompiled-validator',
    setup(plugin) {
      plugin.onLoad({ filter: /[\\/]src[\\/]playbook[\\/]playbook-validator\.ts$/ }, () => ({
        contents: source,
        loader: 'js',
        resolveDir: dirname(VALIDATOR_MODULE),
      }));
    },
  };
}

function pruneOldBuilds(current) {
  const old = readdirSync(DIST)
    .filter((name) => name !== current && !name.startsWith('.tmp-'))
    .map((name) => ({ name, time: statSync(join(DIST, name)).mtimeMs }))
    .sort((a, b) => b.time - a.time)
    .slice(KEEP_OLD_BUILDS);
  for (const { name } of old) rmSync(join(DIST, name), { recursive: true, force: true });
}

/**
 * The CLI's `main`: from the current build (built now when missing), or from the sources through tsx
 * when TALON_FROM_SOURCE=1 is set or esbuild cannot build.
 */
export async function loadCliMain() {
  if (process.env.TALON_FROM_SOURCE !== '1') {
    try {
      const fingerprint = sourceFingerprint();
      const built = join(DIST, fingerprint, 'src/cli/index.js');
      const entry = existsSync(built) ? built : join(await buildCli(), 'src/cli/index.js');
      return (await import(pathToFileURL(entry).href)).main;
    } catch (error) {
      process.stderr.write(`talon: running from sources (no build: ${error?.message ?? error})\n`);
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  return (await import('../src/cli/index.ts')).main;
}
