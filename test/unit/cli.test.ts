import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands/index.ts';
import { runProgram } from '../../src/cli/index.ts';

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

  it('fails with exit code 2 and says so for every command not built yet', async () => {
    const stubs = COMMANDS.filter((c) => c.description.includes('not yet available'));
    for (const stub of stubs) {
      const cap = captureIo();
      expect(await runProgram(COMMANDS, [stub.name], cap.io)).toBe(2);
      expect(cap.err()).toContain('not yet available');
    }
  });

  it('rejects an unknown command with exit code 2', async () => {
    const cap = captureIo();
    expect(await runProgram(COMMANDS, ['frobnicate'], cap.io)).toBe(2);
    expect(cap.err()).toContain('frobnicate');
  });
});
