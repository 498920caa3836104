/**
 * A Falcon emulator started in this process and a client of it, signed in with the emulator's own
 * credentials: what `talon run` without credentials, `talon call --emulator` and `talon test` talk to.
 */
import { type RunningEmulator, startEmulator } from '../emulator/index.ts';
import { createFalconClient, type FalconClient, type FalconClientOptions } from '../falcon/index.ts';
import { Secret } from '../shared/index.ts';

export interface EmbeddedFalcon {
  emulator: RunningEmulator;
  falcon: FalconClient;
  close(): Promise<void>;
}

export async function startEmbeddedFalcon(
  seed: number,
  client: Partial<Omit<FalconClientOptions, 'baseUrl' | 'clientId' | 'clientSecret'>> = {},
): Promise<EmbeddedFalcon> {
  const emulator = await startEmulator({ port: 0, seed });
  const falcon = createFalconClient({
    ...client,
    baseUrl: emulator.url,
    clientId: emulator.credentials.clientId,
    clientSecret: new Secret(emulator.credentials.clientSecret),
  });
  return { emulator, falcon, close: () => emulator.close() };
}
