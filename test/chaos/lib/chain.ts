// biome-ignore-all lint/suspicious/noTemplateCurlyInString: playbook `${{ }}` templates are plain strings.
/**
 * The multi-write playbook the chaos tests run, and the checks on the emulator afterwards. Each run
 * gets its own detections and hashes (inputs), so every write has exactly one expected effect:
 * each detection is updated exactly twice (in_progress, then closed) and each hash becomes exactly
 * one IOC, whatever crashed, restarted or failed on the way.
 */
import { createHash } from 'node:crypto';
import type { RunningEmulator } from '../../../src/emulator/index.ts';
import { createFalconClient, type FalconClient } from '../../../src/falcon/index.ts';
import type { CompiledPlaybook } from '../../../src/playbook/compiled.ts';
import { compilePlaybookSource } from '../../../src/playbook/index.ts';
import type { RunRecord, TalonQueue } from '../../../src/queue/index.ts';
import { Secret } from '../../../src/shared/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { chaosRandom } from './chaos-config.ts';

export const CHAIN_SOURCE = `
name: chaos-chain
description: triage given detections, block given hashes, close the detections
triggers: [{ manual: true }]
inputs:
  ids: { type: array }
  hashes: { type: array }
limits: { max_targets: 1000 }
steps:
  - id: triage
    uses: detects.update_detects_by_ids
    with: { ids: "\${{ inputs.ids }}", status: in_progress, comment: "chaos \${{ run.id }}" }
    retry: { attempts: 3, backoff: fixed, delay: 100ms }
  - id: details
    uses: detects.get_detect_summaries
    with: { ids: "\${{ inputs.ids }}" }
  - id: block
    foreach: { items: "\${{ inputs.hashes }}", concurrency: 2 }
    uses: ioc.indicator_create
    with:
      comment: "chaos \${{ run.id }}"
      indicators:
        - { type: sha256, value: "\${{ item }}", action: prevent, severity: high, platforms: [windows], applied_globally: true }
    retry: { attempts: 3, backoff: fixed, delay: 100ms }
  - id: close
    uses: detects.update_detects_by_ids
    with: { ids: "\${{ inputs.ids }}", status: closed }
    retry: { attempts: 3, backoff: fixed, delay: 100ms }
`;

/** The compiled chaos playbook. */
export function chainPlan(): CompiledPlaybook {
  const { playbook, diagnostics } = compilePlaybookSource(CHAIN_SOURCE, 'chaos-chain.yaml');
  if (!playbook) throw new Error(`chaos playbook does not compile: ${JSON.stringify(diagnostics)}`);
  return playbook;
}

export interface ChainInputs {
  ids: string[];
  hashes: string[];
}

/** A client for the test's own reads (not the workers'). */
export function testClient(emulator: RunningEmulator, clientId: string, clientSecret: string): FalconClient {
  return createFalconClient({ baseUrl: emulator.url, clientId, clientSecret: new Secret(clientSecret) });
}

/** `runs` disjoint input sets: `idsPerRun` new detections and `hashesPerRun` fresh hashes each. */
export async function chainInputs(
  client: FalconClient,
  runs: number,
  idsPerRun = 8,
  hashesPerRun = 2,
): Promise<ChainInputs[]> {
  const found = await client.call('detects.query_detects', {
    filter: "status:'new'",
    limit: runs * idsPerRun,
  });
  const ids = found.resources as string[];
  if (ids.length < runs * idsPerRun) throw new Error(`only ${ids.length} new detections seeded`);
  const salt = chaosRandom('chain-salt').next().toString(36);
  return Array.from({ length: runs }, (_, r) => ({
    ids: ids.slice(r * idsPerRun, (r + 1) * idsPerRun),
    hashes: Array.from({ length: hashesPerRun }, (_, h) =>
      createHash('sha256').update(`${salt}-${r}-${h}`).digest('hex'),
    ),
  }));
}

/** Enqueues one run per input set; returns the run ids. */
export async function enqueueChain(talon: TalonQueue, inputs: readonly ChainInputs[]): Promise<string[]> {
  const plan = chainPlan();
  const ids: string[] = [];
  for (const input of inputs) {
    const { runId } = await talon.enqueue({
      plan,
      inputs: { ids: input.ids, hashes: input.hashes },
      trigger: { type: 'manual', at: Date.now(), source: 'chaos', data: null },
    });
    ids.push(runId);
  }
  return ids;
}

/** Waits until every run has a final status; returns the records. Redis errors while waiting are retried. */
export async function waitForRuns(
  talon: TalonQueue,
  runIds: readonly string[],
  timeoutMs: number,
): Promise<RunRecord[]> {
  const done = new Map<string, RunRecord>();
  await waitFor(
    async () => {
      for (const id of runIds) {
        if (done.has(id)) continue;
        const record = await talon.records.get(id).catch(() => null);
        if (record && ['succeeded', 'failed', 'cancelled'].includes(record.status)) done.set(id, record);
      }
      return done.size === runIds.length;
    },
    timeoutMs,
    `${runIds.length} runs to finish (${done.size} finished)`,
  );
  return runIds.map((id) => done.get(id) as RunRecord);
}

/**
 * Runs `wait`; if it throws (a timeout), rethrows with what the queue and the workers looked like:
 * job counts, run statuses, whether each worker process is alive and its warnings and errors. A stuck
 * chaos run then says why without a re-run.
 */
export async function explainOnTimeout<T>(
  wait: () => Promise<T>,
  talon: TalonQueue,
  runIds: readonly string[],
  workers: readonly { pid: number; peakRssKb(): number | null; output(): string }[],
): Promise<T> {
  try {
    return await wait();
  } catch (error) {
    const statuses: Record<string, number> = {};
    for (const id of runIds) {
      const status = (await talon.records.get(id).catch(() => null))?.status ?? 'no record';
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
    const counts = await talon.queue.counts().catch((e: unknown) => String(e));
    const lines = [
      error instanceof Error ? error.message : String(error),
      `queue: ${JSON.stringify(counts)}; runs: ${JSON.stringify(statuses)}`,
    ];
    for (const w of workers) {
      const noisy = w
        .output()
        .split('\n')
        // Warnings and errors, and anything that is not a log line (a crash's stack trace).
        .filter((l) => /"level":(40|50|60)/.test(l) || (l.trim() !== '' && !l.startsWith('{')))
        .slice(-15);
      lines.push(`worker ${w.pid} ${w.peakRssKb() === null ? 'EXITED' : 'alive'}:`, ...noisy);
    }
    throw new Error(lines.join('\n'));
  }
}

/** What the emulator's audit log and state say about the chain's writes. */
export interface WriteReport {
  /** Detection id -> update calls that touched it (expected 2 each). */
  updatesPerId: Map<string, number>;
  /** Hash -> IOCs with that value (expected 1 each). */
  iocsPerHash: Map<string, number>;
  /** Detection id -> status now (expected 'closed'). */
  statusPerId: Map<string, string>;
}

/** Reads the audit log and the final state for the given inputs. */
export async function inspectWrites(
  emulator: RunningEmulator,
  client: FalconClient,
  inputs: readonly ChainInputs[],
): Promise<WriteReport> {
  const wanted = new Set(inputs.flatMap((i) => i.ids));
  const updatesPerId = new Map<string, number>([...wanted].map((id) => [id, 0]));
  for (const entry of emulator.admin.audit()) {
    if (entry.operationId !== 'UpdateDetectsByIdsV2') continue;
    for (const id of entry.ids) if (wanted.has(id)) updatesPerId.set(id, (updatesPerId.get(id) ?? 0) + 1);
  }
  const hashes = inputs.flatMap((i) => i.hashes);
  const iocsPerHash = new Map<string, number>(hashes.map((h) => [h, 0]));
  for (let i = 0; i < hashes.length; i += 50) {
    const chunk = hashes.slice(i, i + 50);
    const found = await client.call('ioc.indicator_combined', {
      filter: `value:[${chunk.map((h) => `'${h}'`).join(',')}]`,
      limit: 500,
    });
    for (const ioc of found.resources as { value: string }[]) {
      iocsPerHash.set(ioc.value, (iocsPerHash.get(ioc.value) ?? 0) + 1);
    }
  }
  const statusPerId = new Map<string, string>();
  const ids = [...wanted];
  for (let i = 0; i < ids.length; i += 500) {
    const summaries = await client.call('detects.get_detect_summaries', { ids: ids.slice(i, i + 500) });
    for (const d of summaries.resources as { detection_id: string; status: string }[]) {
      statusPerId.set(d.detection_id, d.status);
    }
  }
  return { updatesPerId, iocsPerHash, statusPerId };
}

/** Entries of `map` whose value is not `expected` (empty when all are as expected). */
export function unexpected<K, V>(map: Map<K, V>, expected: V): [K, V][] {
  return [...map].filter(([, value]) => value !== expected);
}
