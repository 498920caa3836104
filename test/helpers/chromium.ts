/**
 * The Chromium binary the browser tests drive (Debian's `chromium`, which .ci/run installs), or null
 * when none exists; TALON_CHROMIUM points at another one. Browser downloads fail on these machines,
 * so playwright-core is always given this path.
 */
import { existsSync } from 'node:fs';

export const CHROMIUM_CANDIDATES = [
  process.env['TALON_CHROMIUM'],
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
].filter((p): p is string => typeof p === 'string' && p !== '');

export const CHROMIUM: string | null = CHROMIUM_CANDIDATES.find((p) => existsSync(p)) ?? null;

/** Launch flags for a root user in a container without a GPU. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu'];
