import { describe, expect, it } from 'vitest';
import { ConfigError, ERROR_CODES, SoarError, serializeError, toSoarError } from '../../src/shared/index.ts';

describe('SoarError', () => {
  it('carries a catalogued code, the default retryability, details and a cause', () => {
    const cause = new SoarError('SOAR_INTERNAL', 'inner');
    const error = new SoarError('SOAR_CONFIG_INVALID', 'outer', {
      details: { variable: 'REDIS_URL' },
      cause,
    });
    expect(error.code).toBe('SOAR_CONFIG_INVALID');
    expect(error.retryable).toBe(ERROR_CODES.SOAR_CONFIG_INVALID.retryable);
    expect(error.details).toEqual({ variable: 'REDIS_URL' });
    expect(error.cause).toBe(cause);
    expect(error.hint).toBe(ERROR_CODES.SOAR_CONFIG_INVALID.hint);
  });

  it('lets the call site override retryability', () => {
    expect(new SoarError('SOAR_INTERNAL', 'x', { retryable: true }).retryable).toBe(true);
  });

  it('serializes through a whitelist, with the cause chain', () => {
    const error = new ConfigError('SOAR_CONFIG_MISSING', 'no url', {
      cause: new SoarError('SOAR_INTERNAL', 'why'),
    });
    expect(serializeError(error)).toEqual({
      name: 'ConfigError',
      code: 'SOAR_CONFIG_MISSING',
      message: 'no url',
      retryable: false,
      details: {},
      cause: { name: 'SoarError', code: 'SOAR_INTERNAL', message: 'why', retryable: false, details: {} },
    });
  });

  it('keeps only name and message of a foreign error, dropping fields that may hold secrets', () => {
    const foreign = Object.assign(new Error('boom'), {
      options: { headers: { authorization: 'Bearer tok' } },
    });
    const converted = toSoarError(foreign);
    expect(converted.code).toBe('SOAR_INTERNAL');
    expect(converted.message).toBe('Error: boom');
    expect(JSON.stringify(serializeError(foreign))).not.toContain('Bearer');
  });

  it('converts thrown non-errors', () => {
    expect(toSoarError('text').message).toContain('text');
  });
});
