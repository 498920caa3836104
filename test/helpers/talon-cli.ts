/** Runs the `talon` command (bin/talon.mjs, the compiled build) as a child process, as a user would. */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export interface TalonExit {
  code: number | null;
  out: string;
  err: string;
}

/** `talon <args>` from the repository root with exactly `env` (plus PATH); resolves when it exits. */
export function runTalon(args: readonly string[], env: Record<string, string>): Promise<TalonExit> {
  const child = spawn(process.execPath, ['bin/talon.mjs', ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'], ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((done) => child.once('exit', (code) => done({ code, out, err })));
}
