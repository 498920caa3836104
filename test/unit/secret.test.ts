import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redactSecrets, Secret, SoarError, serializeError } from '../../src/shared/index.ts';

const VALUE = 'super-secret-value-42';

describe('Secret', () => {
  it('redacts itself in JSON, strings, templates and inspect', () => {
    const secret = new Secret(VALUE);
    const holder = { nested: { secret }, list: [secret] };
    expect(JSON.stringify(holder)).not.toContain(VALUE);
    expect(JSON.stringify(holder)).toContain('[redacted]');
    expect(String(secret)).toBe('[redacted]');
    expect(`${secret}`).toBe('[redacted]');
    expect(inspect(holder, { depth: 10 })).not.toContain(VALUE);
    expect(inspect(secret)).toBe('Secret([redacted])');
  });

  it('returns the value only through reveal()', () => {
    expect(new Secret(VALUE).reveal()).toBe(VALUE);
  });

  it('stays redacted inside error details and causes', () => {
    const secret = new Secret(VALUE);
    const error = new SoarError('SOAR_CONFIG_INVALID', 'bad', {
      cause: new SoarError('SOAR_INTERNAL', `wrapped ${secret}`),
    });
    expect(JSON.stringify(serializeError(error))).not.toContain(VALUE);
    expect(inspect(error, { depth: 10 })).not.toContain(VALUE);
  });

  it('redactSecrets scrubs every occurrence of each value', () => {
    expect(redactSecrets(`a ${VALUE} b ${VALUE}`, [new Secret(VALUE)])).toBe('a [redacted] b [redacted]');
  });
});
