// biome-ignore-all lint/suspicious/noTemplateCurlyInString: playbook `${{ }}` templates are plain strings.
// Usage: tsx bench/containment.bench.ts [hosts=1000]
// Contain 1,000 hosts: a Talon playbook (query, guard rails, batched PerformActionV2) against the
// emulator over HTTP, and the same containment as a plain script would do it, one request per host,
// on the same emulator re-seeded in between. Reported: the contain requests each made (the id limit of
// PerformActionV2, 100, decides Talon's: 10 for 1,000 hosts), all API calls, wall time, and the ratio.
import { findOperation } from '../src/falcon/index.ts';
import { compilePlaybook } from '../src/playbook/index.ts';
import { runInProcess } from '../src/queue/index.ts';
import { silentLogger, systemClock } from '../src/shared/index.ts';
import { emulatorWithClient } from './lib/emulator-client.ts';
import { round } from './lib/stats.ts';
import { reportBench } from './report.ts';

const HOSTS = Number(process.argv[2] ?? 1000);
const NOT_DC = "product_type_desc:!'Domain Controller'";

// Enough hosts that HOSTS of them are not domain controllers (about one in five is).
const { emulator, falcon } = await emulatorWithClient(Math.ceil(HOSTS * 1.5));

const plan = compilePlaybook(
  `
name: contain-many
triggers: [{ manual: true }]
limits: { response_hosts: ${HOSTS} }
protected_hosts: { tags: [FalconGroupingTags/domain-controller] }
steps:
  - id: find
    uses: hosts.query_devices_by_filter
    with: { filter: "${NOT_DC}", limit: ${HOSTS} }
  - id: contain
    uses: hosts.perform_action
    with: { action_name: contain, ids: "\${{ steps.find.resources }}" }
outputs:
  contained: \${{ steps.contain.targets }}
`,
  'contain-many.yaml',
);

const containRequests = () =>
  emulator.admin.requests().filter((r) => r.operationId === 'PerformActionV2').length;
const containedHosts = () =>
  new Set(
    emulator.admin
      .audit()
      .filter((e) => e.action === 'contain')
      .flatMap((e) => e.ids),
  ).size;

// Talon: the playbook in this process (the queue adds nothing to the request count).
await falcon.call('QueryDevicesByFilter', { limit: 1 }); // log in outside the timed part
emulator.admin.reset();
let start = performance.now();
const result = await runInProcess(
  {
    runId: 'bench-contain',
    plan,
    inputs: {},
    dryRun: false,
    trigger: { type: 'manual', at: Date.now(), source: 'bench', data: null },
  },
  { falcon, logger: silentLogger, clock: systemClock },
);
const talonMs = performance.now() - start;
if (result.status !== 'succeeded') throw new Error(`playbook failed: ${result.error?.message}`);
const talon = { contain: containRequests(), calls: result.apiCalls, hosts: containedHosts() };

// The per-host script: find the same hosts, then one contain request per host.
emulator.admin.reset();
start = performance.now();
const ids = (await falcon.call('QueryDevicesByFilter', { filter: NOT_DC, limit: HOSTS }))
  .resources as string[];
for (const id of ids) await falcon.call('PerformActionV2', { action_name: 'contain', ids: [id] });
const scriptMs = performance.now() - start;
const script = { contain: containRequests(), calls: 1 + ids.length, hosts: containedHosts() };
await emulator.close();

const idLimit = findOperation('PerformActionV2')?.ids?.max ?? 0;
reportBench('contain hosts', {
  hosts: talon.hosts,
  'PerformActionV2 id limit': idLimit,
  'talon contain requests': talon.contain,
  'talon api calls (all)': talon.calls,
  'talon wall ms': round(talonMs),
  'script contain requests': script.contain,
  'script api calls (all)': script.calls,
  'script wall ms': round(scriptMs),
  'requests ratio talon/script': round(talon.contain / script.contain, 3),
  'wall ratio talon/script': round(talonMs / scriptMs, 3),
});
if (talon.hosts !== HOSTS || script.hosts !== HOSTS) throw new Error('not every host was contained');
if (talon.contain !== Math.ceil(HOSTS / idLimit)) throw new Error('the id limit did not decide the calls');
