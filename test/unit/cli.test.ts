import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands/index.ts';
import { isLazy, notYetAvailable, runProgram } from '../../src/cli/index.ts';

const run = promisify(execFile);

function captureIo(): {
  io: { out: (s: string) => void; err: (s: string) => void };
  out: () => string;
  err: () => string;
} {
  let out = '';
  let err = '';
  return { io: { out: (s) => (out += s), err: (s) => (err += s) }, out: () => out, err: () => err };
}

describe('talon CLI', () => {
  it('lists every command in --help through the real bin script', async () => {
    const { stdout } = await run(process.execPath, ['bin/talon.mjs', '--help']);
    for (const command of COMMANDS) expect(stdout).toContain(command.name);
  });

  it('has every listed command built: none is a "not yet available" placeholder', () => {
    expect(COMMANDS.filter((c) => c.description.includes('not yet available')).map((c) => c.name)).toEqual(
      [],
    );
  });

  it('loads each lazily listed command under the name and description --help shows', async () => {
    const lazy = COMMANDS.filter(isLazy);
    expect(lazy.length).toBeGreaterThan(0);
    for (const entry of lazy) {
      const loaded = await entry.load();
      expect({ name: loaded.name, description: loaded.description }).toEqual({
        name: entry.name,
        description: entry.description,
      });
    }
  });

  it("shows a lazily loaded command's own options in its help", async () => {
    const cap = captureIo();
    expect(await runProgram(COMMANDS, ['validate', '--help'], cap.io)).toBe(0);
    expect(cap.out()).toContain('--strict');
  });

  it('makes a placeholder command fail with exit code 2 and say so, never fake success', async () => {
    const placeholder = notYetAvailable('later', 'A planned command', 99);
    const cap = captureIo();
    expect(await runProgram([...COMMANDS, placeholder], ['later', 'some', 'args'], cap.io)).toBe(2);
    expect(cap.err()).toContain('not yet available (planned in issue #99)');
  });

  it('rejects an unknown command with exit code 2', async () => {
    const cap = captureIo();
    expect(await runProgram(COMMANDS, ['frobnicate'], cap.io)).toBe(2);
    expect(cap.err()).toContain('frobnicate');
  });
});
