// biome-ignore-all lint/suspicious/noTemplateCurlyInString: playbook `${{ }}` templates are plain strings.
// Usage: tsx bench/rtr.bench.ts [hosts=1000]
// An RTR read-only command (ps) on 1,000 hosts: a Talon playbook with rtr.run_command (one batch
// session, one batch command, one close) against the emulator over HTTP, and the same collection as a
// plain script does it per host (init session, run, read the status, delete the session), on the same
// emulator re-seeded in between. Reported: API calls each made, wall time, hosts with output, ratios.
import { compilePlaybook } from '../src/playbook/index.ts';
import { defaultActionRunner, runInProcess } from '../src/queue/index.ts';
import { silentLogger, systemClock } from '../src/shared/index.ts';
import { emulatorWithClient } from './lib/emulator-client.ts';
import { round } from './lib/stats.ts';
import { reportBench } from './report.ts';

const HOSTS = Number(process.argv[2] ?? 1000);

const { emulator, falcon } = await emulatorWithClient(HOSTS);

// Offline hosts are queued (queue_offline) on both sides, so both reach every host.
const plan = compilePlaybook(
  `
name: rtr-ps-many
triggers: [{ manual: true }]
limits: { response_hosts: ${HOSTS} }
steps:
  - id: find
    uses: hosts.query_devices_by_filter
    with: { limit: ${HOSTS} }
  - id: ps
    uses: rtr.run_command
    with: { hosts: "\${{ steps.find.resources }}", command: ps, queue_offline: true }
outputs:
  ran: \${{ steps.ps.succeeded }}
  queued: \${{ steps.ps.queued }}
`,
  'rtr-ps-many.yaml',
);

const rtrCalls = () =>
  emulator.admin.requests().filter((r) => r.operationId !== undefined && !r.operationId.startsWith('oauth2'))
    .length;

await falcon.call('QueryDevicesByFilter', { limit: 1 }); // log in outside the timed part
emulator.admin.reset();
let start = performance.now();
const result = await runInProcess(
  {
    runId: 'bench-rtr',
    plan,
    inputs: {},
    dryRun: false,
    trigger: { type: 'manual', at: Date.now(), source: 'bench', data: null },
  },
  { falcon, logger: silentLogger, clock: systemClock, actions: defaultActionRunner(silentLogger) },
);
const talonMs = performance.now() - start;
if (result.status !== 'succeeded') throw new Error(`playbook failed: ${result.error?.message}`);
const outputs = result.outputs as { ran: number; queued: number };
const talon = { calls: rtrCalls(), withOutput: outputs.ran, queued: outputs.queued };

// The per-host script: four calls per host.
emulator.admin.reset();
start = performance.now();
const ids = (await falcon.call('QueryDevicesByFilter', { limit: HOSTS })).resources as string[];
let withOutput = 0;
for (const aid of ids) {
  const init = await falcon.call('RTR_InitSession', { device_id: aid, queue_offline: true });
  const sessionId = (init.resources[0] as { session_id: string }).session_id;
  const sent = await falcon.call('RTR_ExecuteCommand', {
    session_id: sessionId,
    base_command: 'ps',
    command_string: 'ps',
  });
  const { cloud_request_id } = sent.resources[0] as { cloud_request_id: string };
  const status = await falcon.call('RTR_CheckCommandStatus', { cloud_request_id, sequence_id: 0 });
  if ((status.resources[0] as { complete: boolean }).complete) withOutput++;
  await falcon.call('RTR_DeleteSession', { session_id: sessionId });
}
const scriptMs = performance.now() - start;
const script = { calls: rtrCalls(), withOutput };
await emulator.close();

reportBench('rtr read-only command on many hosts', {
  hosts: ids.length,
  'talon api calls': talon.calls,
  'talon hosts with output': talon.withOutput,
  'talon hosts queued (offline)': talon.queued,
  'talon wall ms': round(talonMs),
  'script api calls': script.calls,
  'script hosts with output': script.withOutput,
  'script wall ms': round(scriptMs),
  'calls ratio talon/script': round(talon.calls / script.calls, 4),
  'wall ratio talon/script': round(talonMs / scriptMs, 3),
});
if (talon.withOutput !== script.withOutput) throw new Error('the two ways collected from different hosts');
if (talon.withOutput + talon.queued !== ids.length) throw new Error('not every host was reached');
