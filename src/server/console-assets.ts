/**
 * The run console's script and stylesheet, built once per process from src/console (the only importer
 * of esbuild in src): the client is bundled from its TypeScript sources shipped in the package, so
 * nothing is fetched from a CDN and no build output is committed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { SoarError } from '../shared/index.ts';

export interface ConsoleAssets {
  script: string;
  style: string;
}

const CLIENT_ENTRY = 'src/console/client/app.ts';
const STYLESHEET = 'src/console/console.css';

/** The package root: the nearest directory above this module holding the console's sources. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, CLIENT_ENTRY))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new SoarError('SOAR_SERVER_INTERNAL', `the console's sources (${CLIENT_ENTRY}) are missing`);
    }
    dir = parent;
  }
}

let cached: Promise<ConsoleAssets> | null = null;

/** Builds (once) and returns the console's assets. */
export function consoleAssets(): Promise<ConsoleAssets> {
  cached ??= (async () => {
    const root = packageRoot();
    const result = await build({
      entryPoints: [join(root, CLIENT_ENTRY)],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: 'es2020',
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
    });
    const script = result.outputFiles[0]?.text ?? '';
    return { script, style: readFileSync(join(root, STYLESHEET), 'utf8') };
  })();
  return cached;
}
