/**
 * A real little world for end-to-end tests: the Falcon emulator over HTTP, the run queue on the test
 * redis-server under a unique prefix, and the playbooks of playbooks/ compiled by the real compiler.
 */
import { resolve } from 'node:path';
import { DEFAULT_CLIENT_ID, type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import type { FalconConfig } from '../../src/config/index.ts';
import type { CompiledPlaybook } from '../../src/playbook/compiled.ts';
import { loadPlaybookDir } from '../../src/playbook/index.ts';
import {
  openTalonQueue,
  type RunWorker,
  startTalonWorker,
  type TalonQueue,
  type TalonWorkerOptions,
} from '../../src/queue/index.ts';
import { randomHex, Secret } from '../../src/shared/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';

export const PLAYBOOK_DIR = resolve(import.meta.dirname, '../../playbooks');

export interface World {
  emulator: RunningEmulator;
  /** Where the queue lives (the test redis-server unless startWorld was given another URL). */
  redisUrl: string;
  talon: TalonQueue;
  prefix: string;
  falcon: FalconConfig;
  /** The job signing key of this world: the queue signs with it; pass it to every worker and CLI child. */
  signingKey: Secret;
  playbooks: Map<string, CompiledPlaybook>;
  close(): Promise<void>;
}

/** Compiles every playbook in playbooks/ and fails loudly on any error diagnostic. */
export async function loadExamplePlaybooks(): Promise<Map<string, CompiledPlaybook>> {
  const { playbooks, diagnostics } = await loadPlaybookDir(PLAYBOOK_DIR);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0)
    throw new Error(`example playbooks do not compile:\n${errors.map((d) => d.message).join('\n')}`);
  return new Map(playbooks.map((p) => [p.name, p]));
}

export async function startWorld(
  options: { seed?: number; rateLimitPerMinute?: number; redisUrl?: string } = {},
): Promise<World> {
  const redisUrl = options.redisUrl ?? testRedisUrl();
  const emulator = await startEmulator({
    port: 0,
    seed: options.seed ?? 7,
    ...(options.rateLimitPerMinute === undefined ? {} : { rateLimitPerMinute: options.rateLimitPerMinute }),
  });
  const prefix = uniquePrefix('e2e');
  const signingKey = new Secret(randomHex(32));
  const talon = openTalonQueue({ redisUrl, prefix, backoffMs: 50, signingKey });
  const falcon: FalconConfig = {
    clientId: emulator.credentials.clientId || DEFAULT_CLIENT_ID,
    clientSecret: new Secret(emulator.credentials.clientSecret),
    baseUrl: emulator.url,
    memberCid: null,
  };
  return {
    emulator,
    redisUrl,
    talon,
    prefix,
    falcon,
    signingKey,
    playbooks: await loadExamplePlaybooks(),
    async close() {
      await talon.close();
      await emulator.close();
    },
  };
}

/** A worker on the world's queue, Falcon and job signing key (it runs only jobs the world signed). */
export function startWorldWorker(
  world: World,
  options: Partial<Omit<TalonWorkerOptions, 'redisUrl' | 'prefix' | 'falcon' | 'signingKey'>> = {},
): RunWorker {
  return startTalonWorker({
    ...options,
    redisUrl: world.redisUrl,
    prefix: world.prefix,
    falcon: world.falcon,
    signingKey: world.signingKey,
  });
}
