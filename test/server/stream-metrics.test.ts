// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
/**
 * /metrics carries the stream trigger's state (next to /healthz): a real trigger reads the emulator's
 * feed into Redis, and the gauges are read back over HTTP with a scrape and a viewer token.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { createFalconClient } from '../../src/falcon/index.ts';
import { compilePlaybookSource } from '../../src/playbook/index.ts';
import { openTalonQueue, type TalonQueue } from '../../src/queue/index.ts';
import {
  newApiToken,
  startTalonServer,
  type TalonServer,
  tokenSource,
  writeTokens,
} from '../../src/server/index.ts';
import { Secret } from '../../src/shared/index.ts';
import { startStreamTrigger } from '../../src/triggers/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';

const scrape = newApiToken('t-scrape', 'scrape', Date.now());
const viewer = newApiToken('t-viewer', 'viewer', Date.now());

let emulator: RunningEmulator;
let talon: TalonQueue;
let server: TalonServer;

beforeAll(async () => {
  const tokensFile = join(mkdtempSync(join(tmpdir(), 'talon-tokens-')), 'tokens.json');
  await writeTokens(tokensFile, [scrape.stored, viewer.stored]);
  emulator = await startEmulator({ sizes: { detections: 50 }, streamKeepAliveMs: 200 });
  talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix: uniquePrefix('stream-metrics') });
  server = await startTalonServer({
    talon,
    tokens: tokenSource(tokensFile),
    webhooks: null,
    streamTenant: 'metrics',
  });
});
afterAll(async () => {
  await server.close();
  await talon.close();
  await emulator.close();
});

function gauge(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('GET /metrics with a stream trigger', () => {
  it('shows events received and matched, the committed offset, lag, reconnects and lease changes', async () => {
    const { playbook } = compilePlaybookSource(
      [
        'name: metrics-stream',
        'triggers: [{ stream: { events: [EppDetectionSummaryEvent], if: "${{ trigger.offset % 2 = 0 }}" } }]',
        'steps: [{ id: a, uses: core.set, with: { ok: true } }]',
      ].join('\n'),
      'metrics-stream.yaml',
    );
    if (!playbook) throw new Error('playbook does not compile');
    const api = createFalconClient({
      baseUrl: emulator.url,
      clientId: emulator.credentials.clientId,
      clientSecret: new Secret(emulator.credentials.clientSecret),
      memberCid: null,
    });
    const trigger = startStreamTrigger({ playbooks: [playbook], talon, api, tenant: 'metrics' });
    try {
      const deadline = Date.now() + 10_000;
      while (trigger?.status().state !== 'streaming' && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      emulator.admin.createDetections(10);
      let text = '';
      while (Date.now() < deadline) {
        const response = await fetch(`${server.url}/metrics`, {
          headers: { authorization: `Bearer ${scrape.token}` },
        });
        expect(response.status).toBe(200);
        text = await response.text();
        if (gauge(text, 'talon_stream_events_received') === 10) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(gauge(text, 'talon_stream_streaming')).toBe(1);
      expect(gauge(text, 'talon_stream_events_received')).toBe(10);
      expect(gauge(text, 'talon_stream_events_matched')).toBe(5);
      expect(text).toMatch(/^talon_stream_committed_offset\{partition="0"\} 10$/m);
      expect(gauge(text, 'talon_stream_lag_seconds')).toBeGreaterThanOrEqual(0);
      expect(gauge(text, 'talon_stream_reconnects')).toBe(0);
      expect(gauge(text, 'talon_stream_lease_changes_total')).toBe(1);
      // A viewer may scrape too; nobody without a token may.
      const asViewer = await fetch(`${server.url}/metrics`, {
        headers: { authorization: `Bearer ${viewer.token}` },
      });
      expect(asViewer.status).toBe(200);
      expect(gauge(await asViewer.text(), 'talon_stream_events_matched')).toBe(5);
      expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    } finally {
      await trigger?.stop();
    }
  });
});
