// Emulator query speed at scale: seed 100,000 detections, then time filtered query pages over real
// HTTP (the first page compiles the filter, scans and sorts; later pages of the same query come from
// the result cache). Also times a 1000-id summaries fetch and the first Alerts query, which builds
// the alert views. A benchmark, not a test: it prints figures and asserts nothing.
import { startEmulator } from '../src/emulator/index.ts';
import { reportBench } from './report.ts';

const DETECTIONS = Number(process.argv[2] ?? 100_000);

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await work();
  return [value, performance.now() - start];
}

const [emulator, seedMs] = await timed(() =>
  startEmulator({ port: 0, seed: 42, sizes: { detections: DETECTIONS } }),
);
const heapMb = Math.round(process.memoryUsage().heapUsed / 1_000_000);
const tokenReply = await fetch(`${emulator.url}/oauth2/token`, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({
    client_id: emulator.credentials.clientId,
    client_secret: emulator.credentials.clientSecret,
  }),
});
const { access_token: token } = (await tokenReply.json()) as { access_token: string };
const headers = { authorization: `Bearer ${token}` };

async function page(path: string, query: Record<string, string>): Promise<{ ids: string[]; total: number }> {
  const response = await fetch(`${emulator.url}${path}?${new URLSearchParams(query)}`, { headers });
  const body = (await response.json()) as { resources: string[]; meta: { pagination: { total: number } } };
  if (response.status !== 200)
    throw new Error(`${path} answered ${response.status}: ${JSON.stringify(body)}`);
  return { ids: body.resources, total: body.meta.pagination.total };
}

const FILTERS = [
  "status:'new'+max_severity:>=70",
  "behaviors.tactic:'Persistence'+device.platform_name:'Windows'",
  "first_behavior:>='now-7d'",
  "device.hostname:*'wks-00*'",
  "(status:'new',status:'reopened')+behaviors.technique_id:['T1003','T1059.001']",
];

const figures: Record<string, unknown> = {
  detections: DETECTIONS,
  seedMs: Math.round(seedMs),
  heapAfterSeedMb: heapMb,
};
for (const [i, filter] of FILTERS.entries()) {
  const pageMs: number[] = [];
  let total = 0;
  let firstIds: string[] = [];
  for (let p = 0; p < 5; p++) {
    const [result, ms] = await timed(() =>
      page('/detects/queries/detects/v1', {
        filter,
        sort: 'last_behavior|desc',
        limit: '100',
        offset: String(p * 100),
      }),
    );
    pageMs.push(ms);
    total = result.total;
    if (p === 0) firstIds = result.ids;
  }
  const later = pageMs.slice(1);
  figures[`filter${i + 1}`] = filter;
  figures[`filter${i + 1}Matches`] = total;
  figures[`filter${i + 1}FirstPageMs`] = Number(pageMs[0]?.toFixed(1));
  figures[`filter${i + 1}LaterPageMs`] = Number((later.reduce((a, b) => a + b, 0) / later.length).toFixed(1));
  if (i === 0) {
    const ids = (await page('/detects/queries/detects/v1', { filter, limit: '1000' })).ids;
    const [, summariesMs] = await timed(async () => {
      const response = await fetch(`${emulator.url}/detects/entities/summaries/GET/v1`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ ids }),
      });
      await response.arrayBuffer();
    });
    figures['summaries1000Ms'] = Number(summariesMs.toFixed(1));
    if (firstIds.length === 0) throw new Error('the first filter matched nothing');
  }
}
const [, alertsFirstMs] = await timed(() =>
  page('/alerts/queries/alerts/v2', { filter: "product:'epp'+status:'new'", limit: '100' }),
);
const [, alertsNextMs] = await timed(() =>
  page('/alerts/queries/alerts/v2', { filter: "product:'epp'+severity:>=70", limit: '100' }),
);
figures['alertsFirstQueryMs (builds views)'] = Number(alertsFirstMs.toFixed(1));
figures['alertsLaterQueryMs'] = Number(alertsNextMs.toFixed(1));
figures['heapAfterAlertsMb'] = Math.round(process.memoryUsage().heapUsed / 1_000_000);
await emulator.close();
reportBench('emulator-query', figures);
