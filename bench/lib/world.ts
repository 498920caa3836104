/**
 * A bench/chaos world: the Falcon emulator over HTTP with a freshly generated API client (32-hex id,
 * random secret, as real Falcon clients look), and the environment a worker child needs to reach it
 * and Redis. The secret is random per world so the security checks can grep for it.
 */
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import type { FalconConfig } from '../../src/config/index.ts';
import { randomHex, Secret } from '../../src/shared/index.ts';

export interface BenchWorld {
  emulator: RunningEmulator;
  clientId: string;
  clientSecret: string;
  webhookSecret: string;
  falcon: FalconConfig;
  /** Environment for a worker child (bench/lib/children.ts). */
  workerEnv(extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

/** Starts the emulator with a random client; `redisUrl` is what children connect to. */
export async function startBenchWorld(
  redisUrl: string,
  options: Omit<EmulatorOptions, 'clients' | 'port'> = {},
): Promise<BenchWorld> {
  const clientId = randomHex(16);
  const clientSecret = randomHex(20);
  const webhookSecret = `whsec-${randomHex(16)}`;
  const jobSigningKey = randomHex(32);
  const emulator = await startEmulator({
    ...options,
    port: 0,
    clients: [{ clientId, clientSecret, scopes: '*' }],
  });
  return {
    emulator,
    clientId,
    clientSecret,
    webhookSecret,
    falcon: { clientId, clientSecret: new Secret(clientSecret), baseUrl: emulator.url, memberCid: null },
    workerEnv: (extra = {}) => ({
      REDIS_URL: redisUrl,
      FALCON_CLIENT_ID: clientId,
      FALCON_CLIENT_SECRET: clientSecret,
      FALCON_CLOUD: emulator.url,
      TALON_WEBHOOK_SECRET: webhookSecret,
      // For `talon serve`/`scheduler` children; bench workers (worker-process.ts) do not verify, so
      // jobs a benchmark enqueues itself need no key.
      TALON_JOB_SIGNING_KEY: jobSigningKey,
      TALON_LOG_LEVEL: 'info',
      ...extra,
    }),
    close: () => emulator.close(),
  };
}
