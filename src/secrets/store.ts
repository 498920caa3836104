/**
 * Named secrets, the only reader of secret files. Values are read when a step needs one (so a
 * rotated file is picked up without a restart) and come back wrapped in Secret, which prints as
 * `[redacted]` everywhere. Names can be listed without reading any value (for `talon validate`).
 */
import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecretSources } from '../config/index.ts';
import { SECRET_NAME_PATTERN } from '../config/index.ts';
import { Secret, SoarError } from '../shared/index.ts';

/** Largest secret file read, in bytes: secrets are short; a bigger file is a misconfiguration. */
const MAX_SECRET_FILE_BYTES = 64 * 1024;

export interface SecretStore {
  /** Every name that is defined (values unread), sorted. */
  names(): string[];
  /**
   * The value of secret `name`.
   * @throws SoarError SOAR_SECRET_MISSING when no source defines it, SOAR_SECRET_UNREADABLE when its
   * file cannot be read or is empty.
   */
  get(name: string): Promise<Secret>;
}

/** A store over the configured sources (readSecretSources in src/config). */
export function createSecretStore(sources: SecretSources): SecretStore {
  return {
    names() {
      const all = new Set([...Object.keys(sources.values), ...Object.keys(sources.files)]);
      for (const name of dirNames(sources.dir)) all.add(name);
      return [...all].sort();
    },
    async get(name) {
      if (Object.hasOwn(sources.values, name)) return new Secret(sources.values[name] as string);
      if (Object.hasOwn(sources.files, name)) {
        return readSecretFile(name, sources.files[name] as string, `TALON_SECRET_${name}_FILE`);
      }
      if (sources.dir !== null && SECRET_NAME_PATTERN.test(name) && dirNames(sources.dir).includes(name)) {
        return readSecretFile(name, join(sources.dir, name), 'TALON_SECRETS_DIR');
      }
      throw new SoarError(
        'SOAR_SECRET_MISSING',
        `secret "${name}" is not set: define TALON_SECRET_${name}, TALON_SECRET_${name}_FILE, or a file ${name} in TALON_SECRETS_DIR for the worker`,
        { details: { secret: name } },
      );
    },
  };
}

/** Secret names in a secrets folder: regular files whose names are valid secret names. */
function dirNames(dir: string | null): string[] {
  if (dir === null) return [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.filter((name) => SECRET_NAME_PATTERN.test(name) && isFile(join(dir, name)));
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

async function readSecretFile(name: string, path: string, source: string): Promise<Secret> {
  const unreadable = (why: string) =>
    new SoarError('SOAR_SECRET_UNREADABLE', `secret "${name}" (${source}): ${why}`, {
      details: { secret: name },
    });
  let text: string;
  try {
    const info = statSync(path);
    if (!info.isFile()) throw unreadable(`${path} is not a file`);
    if (info.size > MAX_SECRET_FILE_BYTES)
      throw unreadable(`${path} is larger than ${MAX_SECRET_FILE_BYTES} bytes`);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof SoarError) throw error;
    const code = (error as { code?: unknown }).code;
    throw unreadable(`cannot read ${path}${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  // Files written by editors and `echo` end with a newline that is not part of the secret.
  const value = text.replace(/\r?\n$/, '');
  if (value === '') throw unreadable(`${path} is empty`);
  return new Secret(value);
}
