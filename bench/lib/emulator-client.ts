// An emulator with an unlimited rate budget and a silent Falcon client logged into it: the setup the
// response-action benchmarks (containment, RTR) share.
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { createFalconClient, type FalconClient } from '../../src/falcon/index.ts';
import { Secret, silentLogger } from '../../src/shared/index.ts';

export async function emulatorWithClient(
  hosts: number,
): Promise<{ emulator: RunningEmulator; falcon: FalconClient }> {
  const emulator = await startEmulator({
    port: 0,
    seed: 1,
    sizes: { detections: 200, hosts },
    rateLimitPerMinute: 1_000_000,
  });
  const falcon = createFalconClient({
    baseUrl: emulator.url,
    clientId: emulator.credentials.clientId,
    clientSecret: new Secret(emulator.credentials.clientSecret),
    logger: silentLogger,
  });
  return { emulator, falcon };
}
