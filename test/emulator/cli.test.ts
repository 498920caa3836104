import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { emulatorOptionsFromCli } from '../../src/cli/commands/emulator.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { call, login } from './helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/talon.mjs', import.meta.url));

describe('talon emulator', () => {
  it('prints its URL and credentials, serves, and stops cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'emulator',
        '--port',
        '0',
        '--seed',
        '42',
        '--detections',
        '200',
        '--client-id',
        'ID',
        '--client-secret',
        'S3cret!',
        '--rate-limit',
        '100',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = (await waitFor(
        () => /talon emulator: (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1],
        20_000,
        'the emulator URL',
      )) as string;
      expect(out).toContain('client id:     ID');
      expect(out).not.toContain('S3cret!');
      expect(out).toContain('200 detections');
      const token = await login(url, 'ID', 'S3cret!');
      const reply = await call(url, 'GET', '/detects/queries/detects/v1', { token, query: { limit: '1' } });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('x-ratelimit-limit')).toBe('100');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(out).toContain('talon emulator: stopped (SIGTERM)');
  });
});

describe('emulatorOptionsFromCli', () => {
  it('maps flags to options', () => {
    expect(
      emulatorOptionsFromCli({
        port: '8081',
        seed: '7',
        detections: '5000',
        cloudToday: true,
        rateLimit: '60',
        clientId: 'a',
        clientSecret: 'b',
      }),
    ).toEqual({
      port: 8081,
      host: '127.0.0.1',
      seed: 7,
      sizes: { detections: 5000 },
      cloudToday: true,
      rateLimitPerMinute: 60,
      clients: [{ clientId: 'a', clientSecret: 'b', scopes: '*' }],
    });
  });

  it('rejects a non-numeric size and a client id without a secret', () => {
    expect(() => emulatorOptionsFromCli({ detections: 'many' })).toThrow(
      /--detections must be a non-negative integer/,
    );
    expect(() => emulatorOptionsFromCli({ clientId: 'a' })).toThrow(
      /--client-id and --client-secret go together/,
    );
  });
});
