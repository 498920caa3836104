import type { RunningEmulator } from '../../src/emulator/index.ts';
import { createFalconClient, type FalconClient, type FalconClientOptions } from '../../src/falcon/index.ts';
import { Secret } from '../../src/shared/index.ts';

/** A real Falcon client pointed at an emulator, logged in as the emulator's default API client. */
export function clientFor(
  emulator: RunningEmulator,
  options: Partial<Omit<FalconClientOptions, 'baseUrl' | 'clientId' | 'clientSecret'>> = {},
): FalconClient {
  return createFalconClient({
    ...options,
    baseUrl: emulator.url,
    clientId: emulator.credentials.clientId,
    clientSecret: new Secret(emulator.credentials.clientSecret),
  });
}
