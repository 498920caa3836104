// Talon against the script a Falcon user would otherwise write (issue 19): the headline chain
// (playbooks/triage-critical-detections.yaml, max_targets lifted) run in this process as
// `talon run --local` does, and the same chain as a plain sequential script over Node's own fetch:
// one request after another, the same batch sizes (the operations table's id limits), the same
// existence check before creating IOCs. Both run on the same freshly reset emulator world, at 0 ms
// and at an injected latency per API call, and the bench prints wall times, calls and Talon / script.
// The critical path (dependent request rounds x latency) is the floor no runner can beat.
// Each latency runs `rounds` rounds, script and Talon alternating which goes first; the figures are
// medians. Besides wall time the bench reports the process CPU time of each side (process.cpuUsage):
// the emulator (in this process by default) does the same work for both (the same 58 calls), so
// the CPU difference is what each runner spends itself, and it is far less disturbed by other load
// on the machine than wall time.
// With --emulator-process the emulator runs in a child process of its own, as Falcon runs on other
// machines: its request handling then no longer shares this process's one JavaScript thread with
// either runner. Both sides call the same child, so both get the same world and the same server.
// The CPU figures are then each runner's own, without the emulator's.
// Usage: tsx bench/vs-script.bench.ts [detections=20000] [latencyMs=100] [rounds=3] [--emulator-process]
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveInputs } from '../src/engine/index.ts';
import { createFalconClient, findOperation } from '../src/falcon/index.ts';
import { compilePlaybookSource } from '../src/playbook/index.ts';
import { runInProcess } from '../src/queue/engine-executor.ts';
import { systemClock } from '../src/shared/clock.ts';
import { silentLogger } from '../src/shared/index.ts';
import { percentile, round } from './lib/stats.ts';
import { startBenchEmulator } from './lib/bench-emulator.ts';
import { reportBench } from './report.ts';

const SEPARATE_EMULATOR = process.argv.includes('--emulator-process');
const args = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const DETECTIONS = Number(args[0] ?? 20_000);
const LATENCY_MS = Number(args[1] ?? 100);
const ROUNDS = Math.max(1, Number(args[2] ?? 3));
const FIND_FILTER = "status:'new'+max_severity:>=70";

const source = readFileSync(join(import.meta.dirname, '../playbooks/triage-critical-detections.yaml'), 'utf8')
  // The bench triages every critical detection of the world, as the script does.
  .replace(/max_targets: \d+/, 'max_targets: 1000000');
const { playbook: compiled, diagnostics } = compilePlaybookSource(source, 'triage-critical-detections.yaml');
if (!compiled) throw new Error(`headline playbook does not compile: ${JSON.stringify(diagnostics)}`);
const plan = compiled;

const world = await startBenchEmulator({ seed: 19, sizes: { detections: DETECTIONS } }, SEPARATE_EMULATOR);
const batch = (name: string): number => findOperation(name)?.ids?.max ?? 1;
const UPDATE_BATCH = batch('UpdateDetectsByIdsV2');
const SUMMARY_BATCH = batch('GetDetectSummaries');
const ACTION_BATCH = batch('PerformIncidentAction');
const CREATE_BATCH = batch('indicator_create_v1');
const EXISTS_CHUNK = 100;
const PAGE = findOperation('QueryDetects')?.limit?.max ?? 500;

/** Calls of the last run (token calls aside) and IOC create requests, read after it finished. */
async function callsAndCreates(): Promise<{ calls: number; blocked: number }> {
  const calls = (await world.requests()).filter((r) => r.path !== '/oauth2/token').length;
  const blocked = (await world.audit()).filter((a) => a.operationId === 'indicator_create_v1').length;
  return { calls, blocked };
}

interface Side {
  ms: number;
  /** Process CPU time (user + system, every thread) during the run, ms. */
  cpuMs: number;
  /**
   * CPU time of the main thread alone (JavaScript, the emulator's and the runner's, without GC helper
   * and I/O threads), ms; NaN where /proc is missing. At 0 ms latency the main thread is what the wall
   * time waits for on an idle machine, and it does not grow when other work loads the machine.
   */
  mainCpuMs: number;
  calls: number;
  triaged: number;
  blocked: number;
}

type Counted = Pick<Side, 'triaged'>;

/** Linux: user + system time of the main thread (its task id is the process id), ms (10 ms ticks). */
const MAIN_THREAD_STAT = `/proc/self/task/${process.pid}/stat`;
function mainThreadCpuMs(): number {
  if (!existsSync(MAIN_THREAD_STAT)) return Number.NaN;
  // Fields after the command name (which ends at the last ')'): utime and stime are the 12th and 13th.
  const stat = readFileSync(MAIN_THREAD_STAT, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Runs one side and measures its wall and CPU time. */
async function measured(side: () => Promise<Counted>): Promise<Side> {
  const cpu = process.cpuUsage();
  const main = mainThreadCpuMs();
  const started = performance.now();
  const result = await side();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const mainCpuMs = mainThreadCpuMs() - main;
  return { ...result, ...(await callsAndCreates()), ms, cpuMs: (used.user + used.system) / 1000, mainCpuMs };
}

async function talon(): Promise<Counted> {
  const falcon = createFalconClient({ ...world.falcon, logger: silentLogger });
  const started = performance.now();
  const result = await runInProcess(
    {
      runId: `bench-${Math.round(started)}`,
      plan,
      inputs: resolveInputs(plan, {}),
      dryRun: false,
      trigger: { type: 'manual', at: systemClock.now(), source: 'bench', data: null },
    },
    { falcon, logger: silentLogger, clock: systemClock },
  );
  if (result.status !== 'succeeded') throw new Error(`talon run ${result.status}: ${result.error?.message}`);
  return { triaged: Number(result.outputs['triaged']) };
}

/** The hand-written script: one request after another, as a user would write it. */
async function script(): Promise<Counted> {
  const login = () =>
    fetch(`${world.url}/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: world.clientId, client_secret: world.clientSecret }),
    });
  // fetch keeps the previous run's socket, which the emulator may close while the other side runs
  // (5 s idle on a loaded machine): the first request then meets ECONNRESET. A pooled HTTP client
  // (falconpy's requests/urllib3) retries that case itself; so does this.
  const tokenReply = await login().catch(login);
  const token = ((await tokenReply.json()) as { access_token: string }).access_token;
  const call = async (
    method: string,
    path: string,
    query: Record<string, string | number> = {},
    body?: unknown,
  ): Promise<{ resources: unknown[]; meta: { pagination?: { total?: number } } }> => {
    const url = new URL(path, world.url);
    for (const [k, v] of Object.entries(query)) url.searchParams.append(k, String(v));
    const reply = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!reply.ok) throw new Error(`${method} ${path}: ${reply.status}`);
    return (await reply.json()) as { resources: unknown[]; meta: { pagination?: { total?: number } } };
  };
  const slices = <T>(list: readonly T[], size: number): T[][] =>
    Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));

  const ids: string[] = [];
  for (let offset = 0; ; ) {
    const page = await call('GET', '/detects/queries/detects/v1', {
      filter: FIND_FILTER,
      sort: 'last_behavior|desc',
      limit: PAGE,
      offset,
    });
    ids.push(...(page.resources as string[]));
    offset += page.resources.length;
    if (page.resources.length < PAGE || offset >= (page.meta.pagination?.total ?? 0)) break;
  }
  for (const slice of slices(ids, UPDATE_BATCH))
    await call(
      'PATCH',
      '/detects/entities/detects/v2',
      {},
      {
        ids: slice,
        status: 'in_progress',
        comment: 'talon bench script',
      },
    );
  const incidents = (await call('GET', '/incidents/queries/incidents/v1', { filter: "state:'open'" }))
    .resources as string[];
  for (const slice of slices(incidents, ACTION_BATCH))
    await call(
      'POST',
      '/incidents/entities/incident-actions/v1',
      {},
      {
        ids: slice,
        action_parameters: [{ name: 'add_tag', value: 'talon/triaged' }],
      },
    );
  const hashes = new Set<string>();
  for (const slice of slices(ids, SUMMARY_BATCH)) {
    const summaries = (await call('POST', '/detects/entities/summaries/GET/v1', {}, { ids: slice }))
      .resources as { behaviors?: { ioc_type?: string; ioc_value?: string }[] }[];
    for (const s of summaries)
      for (const b of s.behaviors ?? [])
        if (b.ioc_type === 'hash_sha256' && b.ioc_value) hashes.add(b.ioc_value);
  }
  for (const group of slices([...hashes], CREATE_BATCH)) {
    const existing = new Set<string>();
    for (const chunk of slices(group, EXISTS_CHUNK)) {
      const filter = `type:'sha256'+value:[${chunk.map((h) => `'${h}'`).join(',')}]`;
      const found = await call('GET', '/iocs/combined/indicator/v1', { filter, limit: 500 });
      for (const r of found.resources as { value: string }[]) existing.add(r.value.toLowerCase());
    }
    const missing = group.filter((h) => !existing.has(h.toLowerCase()));
    if (missing.length === 0) continue;
    await call(
      'POST',
      '/iocs/entities/indicators/v1',
      {},
      {
        comment: 'blocked by the bench script',
        indicators: missing.map((value) => ({
          type: 'sha256',
          value,
          action: 'prevent',
          severity: 'high',
          platforms: ['windows', 'mac', 'linux'],
          applied_globally: true,
          description: 'seen in a critical detection',
        })),
      },
    );
  }
  return { triaged: ids.length };
}

/**
 * Dependent request rounds of the chain at best, with unbounded parallelism: find (its pages one
 * after another), then the longest of triage (1), incidents + tag (2) and details + existence check +
 * create (3).
 */
function criticalPathRounds(pages: number): number {
  return pages + 3;
}

const figures: Record<string, unknown> = {
  detections: DETECTIONS,
  latency_ms: LATENCY_MS,
  rounds: ROUNDS,
  emulator: SEPARATE_EMULATOR ? 'child process' : 'in process',
};
const median = (values: readonly number[]): number => percentile(values, 50);
for (const latency of [0, LATENCY_MS]) {
  const scripts: Side[] = [];
  const talons: Side[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which side goes first, so neither always runs on a warmer (or more loaded) process.
    const order = r % 2 === 0 ? (['script', 'talon'] as const) : (['talon', 'script'] as const);
    for (const side of order) {
      await world.fresh(latency);
      if (side === 'script') scripts.push(await measured(script));
      else talons.push(await measured(talon));
    }
  }
  const s = scripts[0] as Side;
  const t = talons[0] as Side;
  for (const run of [...scripts, ...talons]) {
    if (run.triaged !== s.triaged) throw new Error(`a run triaged ${run.triaged}, the script ${s.triaged}`);
  }
  const label = `${latency}ms`;
  const wall = { script: median(scripts.map((x) => x.ms)), talon: median(talons.map((x) => x.ms)) };
  const cpu = { script: median(scripts.map((x) => x.cpuMs)), talon: median(talons.map((x) => x.cpuMs)) };
  figures[`${label}_script_s`] = round(wall.script / 1000, 2);
  figures[`${label}_talon_s`] = round(wall.talon / 1000, 2);
  figures[`${label}_script_calls`] = s.calls;
  figures[`${label}_talon_calls`] = t.calls;
  figures[`${label}_talon_over_script`] = round(wall.talon / wall.script, 2);
  figures[`${label}_round_ratios`] = talons.map((x, i) => round(x.ms / (scripts[i] as Side).ms, 2));
  figures[`${label}_script_cpu_s`] = round(cpu.script / 1000, 2);
  figures[`${label}_talon_cpu_s`] = round(cpu.talon / 1000, 2);
  figures[`${label}_cpu_talon_over_script`] = round(cpu.talon / cpu.script, 2);
  const main = {
    script: median(scripts.map((x) => x.mainCpuMs)),
    talon: median(talons.map((x) => x.mainCpuMs)),
  };
  figures[`${label}_script_main_thread_cpu_s`] = round(main.script / 1000, 2);
  figures[`${label}_talon_main_thread_cpu_s`] = round(main.talon / 1000, 2);
  figures[`${label}_main_thread_talon_over_script`] = round(main.talon / main.script, 2);
  figures['triaged'] = t.triaged;
  figures[`${label}_blocked_creates`] = t.blocked;
  figures[`${label}_floor_s`] = round(
    (criticalPathRounds(Math.ceil(t.triaged / PAGE) || 1) * latency) / 1000,
    2,
  );
}
reportBench('vs-script', figures);
await world.close();
