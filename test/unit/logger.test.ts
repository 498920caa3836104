import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, Secret } from '../../src/shared/index.ts';

function capture(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n') };
}

describe('createLogger', () => {
  it('writes JSON lines with level and message', () => {
    const out = capture();
    createLogger({ destination: out.stream }).info({ step: 'find' }, 'step started');
    const line = JSON.parse(out.lines()[0] ?? '{}');
    expect(line).toMatchObject({ level: 'info', msg: 'step started', step: 'find' });
  });

  it('redacts secrets by key, by Secret type and by value', () => {
    const out = capture();
    const secret = new Secret('client-secret-value-123');
    const log = createLogger({ destination: out.stream, secrets: [secret] });
    log.info(
      { authorization: 'Bearer abc', client_secret: 'x1', headers: { authorization: 'Bearer def' } },
      'call',
    );
    log.info({ wrapped: secret }, 'wrapped');
    log.error({ note: 'oops client-secret-value-123 leaked into text' }, 'free text');
    const text = out.lines().join('\n');
    expect(text).not.toContain('Bearer abc');
    expect(text).not.toContain('Bearer def');
    expect(text).not.toContain('x1');
    expect(text).not.toContain('client-secret-value-123');
    expect(text.match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(5);
  });
});
