/**
 * The API tokens file (TALON_TOKENS_FILE): JSON `{ "version": 1, "tokens": [StoredToken...] }`, hashes
 * only, written with mode 0600 by `talon tokens create|revoke` and read by `talon serve`. The server
 * re-reads it when it changes, so a revoked token stops working without a restart.
 */
import { chmod, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { SoarError } from '../shared/index.ts';
import { isRole, type StoredToken } from './auth.ts';

interface TokensFile {
  version: 1;
  tokens: StoredToken[];
}

function invalid(path: string, what: string): SoarError {
  return new SoarError('SOAR_SERVER_TOKENS_FILE', `${path}: ${what}`);
}

function parseTokensFile(path: string, text: string): StoredToken[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid(path, 'is not JSON');
  }
  const tokens = (value as Partial<TokensFile> | null)?.tokens;
  if (!Array.isArray(tokens)) throw invalid(path, 'has no "tokens" list');
  return tokens.map((entry: Partial<StoredToken>, index) => {
    const ok =
      typeof entry?.id === 'string' &&
      /^[0-9a-f]{12}$/.test(entry.id) &&
      typeof entry.name === 'string' &&
      isRole(entry.role) &&
      typeof entry.sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(entry.sha256) &&
      typeof entry.createdAt === 'string';
    if (!ok) throw invalid(path, `tokens[${index}] needs id, name, role, sha256 and createdAt`);
    return entry as StoredToken;
  });
}

/** The tokens in `path`; a missing file holds none. */
export async function readTokens(path: string): Promise<StoredToken[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw invalid(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseTokensFile(path, text);
}

/** Replaces the file's tokens (write to a temporary file, then rename: a reader never sees half). */
export async function writeTokens(path: string, tokens: readonly StoredToken[]): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  const file: TokensFile = { version: 1, tokens: [...tokens] };
  await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

/**
 * A reader for the server: returns the current tokens, re-reading the file only when its modification
 * time or size changed. No file (or no path) means no tokens: every protected route answers 401.
 */
export function tokenSource(path: string | null): () => Promise<readonly StoredToken[]> {
  let cached: { stamp: string; tokens: StoredToken[] } | null = null;
  return async () => {
    if (path === null) return [];
    const info = await stat(path).catch(() => null);
    if (info === null) return [];
    const stamp = `${info.mtimeMs}:${info.size}`;
    if (cached?.stamp !== stamp) cached = { stamp, tokens: await readTokens(path) };
    return cached.tokens;
  };
}
