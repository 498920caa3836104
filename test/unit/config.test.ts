import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { ConfigError } from '../../src/shared/index.ts';

const ID = '0123456789abcdef0123456789abcdef';

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('accepts an empty environment (demo mode: no Falcon, no Redis)', () => {
    const config = loadConfig({});
    expect(config.falcon).toBeNull();
    expect(config.redisUrl).toBeNull();
    expect(config.logLevel).toBe('info');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads credentials, resolves cloud names and keeps the secret wrapped', () => {
    const config = loadConfig({
      FALCON_CLIENT_ID: ID,
      FALCON_CLIENT_SECRET: 'shh-very-secret',
      FALCON_CLOUD: 'EU-1',
    });
    expect(config.falcon?.baseUrl).toBe('https://api.eu-1.crowdstrike.com');
    expect(config.falcon?.clientSecret.reveal()).toBe('shh-very-secret');
    expect(JSON.stringify(config)).not.toContain('shh-very-secret');
  });

  it.each([
    ['us-1', 'https://api.crowdstrike.com'],
    ['us2', 'https://api.us-2.crowdstrike.com'],
    ['us-gov-1', 'https://api.laggar.gcw.crowdstrike.com'],
    ['http://127.0.0.1:8081/', 'http://127.0.0.1:8081'],
  ])('maps FALCON_CLOUD=%s to %s', (cloud, url) => {
    expect(
      loadConfig({ FALCON_CLIENT_ID: ID, FALCON_CLIENT_SECRET: 's', FALCON_CLOUD: cloud }).falcon?.baseUrl,
    ).toBe(url);
  });

  it('names the missing half of the credentials', () => {
    expect(problemsOf({ FALCON_CLIENT_ID: ID })).toContain('FALCON_CLIENT_SECRET is not set');
    expect(problemsOf({ FALCON_CLIENT_SECRET: 'x' })).toContain('FALCON_CLIENT_ID is not set');
  });

  it('lists every malformed variable with what is wanted', () => {
    const message = problemsOf({
      FALCON_CLIENT_ID: ID,
      FALCON_CLIENT_SECRET: 's',
      FALCON_CLOUD: 'mars-1',
      FALCON_MEMBER_CID: 'nope',
      REDIS_URL: 'http://x',
      TALON_WEBHOOK_SECRET: 'short',
      TALON_LOG_LEVEL: 'loud',
    });
    for (const name of [
      'FALCON_CLOUD',
      'FALCON_MEMBER_CID',
      'REDIS_URL',
      'TALON_WEBHOOK_SECRET',
      'TALON_LOG_LEVEL',
    ]) {
      expect(message).toContain(name);
    }
    expect(message).toContain('us-1, us-2, eu-1, us-gov-1');
  });

  it('reads the finished-run retention count, or leaves it to the worker default', () => {
    expect(loadConfig({}).runRetentionCount).toBeNull();
    expect(loadConfig({ TALON_RUN_RETENTION_COUNT: ' 2500 ' }).runRetentionCount).toBe(2500);
    for (const bad of ['0', '-5', '1.5', 'lots']) {
      expect(problemsOf({ TALON_RUN_RETENTION_COUNT: bad })).toContain(
        `TALON_RUN_RETENTION_COUNT must be a whole number ≥ 1 of finished runs to keep, for example 10000 (got "${bad}")`,
      );
    }
  });

  it('never puts a secret value in its error', () => {
    expect(problemsOf({ FALCON_CLIENT_SECRET: 'leak-me-not', FALCON_CLOUD: 'bad' })).not.toContain(
      'leak-me-not',
    );
  });
});

describe('environment for playbooks', () => {
  it('gives expressions every variable except Talon own credentials and settings', async () => {
    const { readExpressionEnv } = await import('../../src/config/index.ts');
    const env = readExpressionEnv({
      SOC_OWNER: 'alice',
      FALCON_CLIENT_SECRET: 'hidden',
      TALON_WEBHOOK_SECRET: 'x'.repeat(20),
    });
    expect(env).toEqual({ SOC_OWNER: 'alice' });
  });

  it('reads a secret named by a webhook trigger wrapped as a Secret, null when unset', async () => {
    const { readSecretVariable } = await import('../../src/config/index.ts');
    const secret = readSecretVariable('EDR_HOOK_SECRET', { EDR_HOOK_SECRET: ' s3cret-value-long ' });
    expect(secret?.reveal()).toBe('s3cret-value-long');
    expect(JSON.stringify({ secret })).not.toContain('s3cret');
    expect(readSecretVariable('EDR_HOOK_SECRET', {})).toBeNull();
  });
});
