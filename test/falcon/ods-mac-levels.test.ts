import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import type { FalconClient } from '../../src/falcon/index.ts';
import { clientFor } from '../helpers/falcon.ts';

// falconjs's EntitiesODSScanRequest carries macOS detection levels that falcon-api.md §5.4 does not
// list; the table must accept them or the emulator rejects such a body as an unknown field.
let emulator: RunningEmulator;
let client: FalconClient;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 7 });
  client = clientFor(emulator);
});

afterAll(async () => {
  await emulator?.close();
});

describe('ODS scan settings', () => {
  it('sends macOS ML and PUP levels in the body of create_scan and the emulator keeps them', async () => {
    const detectionIds = (await client.call('detects.query_detects', { limit: 1 })).resources;
    const [detection] = (await client.call('detects.get_detect_summaries', { ids: detectionIds }))
      .resources as {
      device: { device_id: string };
    }[];
    const result = await client.call('ods.create_scan', {
      hosts: [detection?.device.device_id],
      description: 'mac levels',
      mac_cloud_ml_level_detection: 2,
      mac_sensor_pup_adware_level_prevention: 1,
    });
    expect(result.status).toBe(201);
    const arrived = emulator.admin
      .requests()
      .filter((r) => r.operationId === 'create_scan')
      .at(-1);
    expect(arrived?.body).toMatchObject({
      mac_cloud_ml_level_detection: 2,
      mac_sensor_pup_adware_level_prevention: 1,
    });
  });
});
