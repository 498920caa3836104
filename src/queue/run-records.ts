/**
 * Run records in Redis: what `talon runs list/show`, the metrics endpoint and the demo summary read.
 * The engine writes them through the RunEvents port; the queue layer adds "queued", "retrying" and
 * final failures the engine never sees (unrecoverable job data, stalled too often).
 *
 *   <prefix>:run:<runId>         hash of scalar fields (JSON values for nested ones)
 *   <prefix>:run:<runId>:steps   hash stepId -> StepRecord JSON
 *   <prefix>:runs                zset runId by enqueue time (newest first in listings)
 *   <prefix>:stats               hash of fleet-wide counters (runs, steps, API calls, 429s)
 * Nothing secret is written: inputs and the trigger summary only (never webhook headers).
 */
import type { RunEvents, RunStatus, StepRecord } from '../engine/ports.ts';
import { type Clock, systemClock } from '../shared/index.ts';
import type { LuaScript, RedisClient } from './bullmq.ts';
import { pairs } from './checkpoint-store.ts';
import type { RunJobData, RunTriggerType } from './job-data.ts';
import { type KeyLayout, RUN_RECORD_TTL_MS } from './names.ts';

/** A run's status as stored: the engine's statuses plus 'retrying' (failed, another attempt queued). */
export type RunRecordStatus = RunStatus | 'retrying';

export interface RunRecord {
  runId: string;
  playbook: string;
  file: string;
  hash: string;
  trigger: { type: RunTriggerType; source: string; at: number };
  inputs: Record<string, unknown>;
  dryRun: boolean;
  status: RunRecordStatus;
  enqueuedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  /** Times a worker started this run (retries and stall recoveries included). */
  attempts: number;
  apiCalls: number;
  error: { code: string; message: string } | null;
  outputs: Record<string, unknown> | null;
  /** In playbook order. */
  steps: StepRecord[];
}

export interface RunRecords extends RunEvents {
  recordQueued(data: RunJobData): Promise<void>;
  /** The attempt failed with a retryable error and BullMQ will try again. */
  markRetrying(runId: string, error: { code: string; message: string }): Promise<void>;
  /** A failure outside the engine (bad job data, stalled too often); keeps a finished status. */
  markFailed(runId: string, error: { code: string; message: string }, at: number): Promise<void>;
  get(runId: string): Promise<RunRecord | null>;
  /** Newest first. */
  list(options?: { limit?: number; offset?: number }): Promise<RunRecord[]>;
  stats(): Promise<Record<string, number>>;
  incrementStat(name: string, by?: number): Promise<void>;
}

// KEYS: steps hash, stats hash. ARGV: stepId, json, ttlMs. Counts each step once per terminal status and
// API calls as the delta since the last update, so repeated updates never double-count.
const STEP_UPDATE: LuaScript = {
  name: 'talon-step-update',
  source: `
local old = redis.call('HGET', KEYS[1], ARGV[1])
local new = cjson.decode(ARGV[2])
local oldStatus, oldCalls = '', 0
if old then
  local o = cjson.decode(old)
  oldStatus = o.status
  oldCalls = tonumber(o.apiCalls) or 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local calls = (tonumber(new.apiCalls) or 0) - oldCalls
if calls > 0 then redis.call('HINCRBY', KEYS[2], 'api_calls', calls) end
local s = new.status
if s ~= oldStatus and (s == 'succeeded' or s == 'failed' or s == 'skipped') then
  redis.call('HINCRBY', KEYS[2], 'steps_' .. s, 1)
end
return 1`,
};

/** Run records for the deployment behind `keys`. */
export function createRunRecords(
  redis: RedisClient,
  keys: KeyLayout,
  clock: Clock = systemClock,
): RunRecords {
  type Command = [string, ...(string | number)[]];
  // Commands of one record update go out back to back on the one connection: Redis runs them in this
  // order, and the update costs one round trip instead of one per command.
  const send = async (...commands: Command[]): Promise<void> => {
    await Promise.all(commands.map(([command, ...args]) => redis.call(command, ...args)));
  };
  const setCommands = (runId: string, fields: Record<string, string | number>): Command[] => [
    ['HSET', keys.run(runId), ...Object.entries(fields).flat()],
    ['PEXPIRE', keys.run(runId), RUN_RECORD_TTL_MS],
  ];
  const statCommand = (name: string, by = 1): Command => ['HINCRBY', keys.stats(), name, by];
  const stat = (name: string, by = 1): Promise<void> => send(statCommand(name, by));
  return {
    async recordQueued(data) {
      const { trigger } = data;
      await send(
        ...setCommands(data.runId, {
          runId: data.runId,
          playbook: data.playbook.name,
          file: data.playbook.file,
          hash: data.playbook.hash,
          trigger: JSON.stringify({ type: trigger.type, source: trigger.source, at: trigger.at }),
          inputs: JSON.stringify(data.inputs),
          dryRun: data.dryRun ? '1' : '0',
          enqueuedAt: data.enqueuedAt,
          stepIds: JSON.stringify(data.playbook.plan.steps.map((s) => s.id)),
        }),
        // A fast worker may already have marked it running: only set the status if none exists.
        ['HSETNX', keys.run(data.runId), 'status', 'queued'],
        ['ZADD', keys.runIndex(), data.enqueuedAt, data.runId],
        ['ZREMRANGEBYSCORE', keys.runIndex(), '-inf', data.enqueuedAt - RUN_RECORD_TTL_MS],
        statCommand('runs_queued'),
      );
    },
    async runStarted(runId, at) {
      await send(
        ...setCommands(runId, { status: 'running', startedAt: at }),
        ['HDEL', keys.run(runId), 'finishedAt', 'error'],
        ['HINCRBY', keys.run(runId), 'attempts', 1],
        statCommand('runs_started'),
      );
    },
    async stepUpdated(runId, step) {
      await redis.runScript(
        STEP_UPDATE,
        [keys.runSteps(runId), keys.stats()],
        [step.id, JSON.stringify(step), RUN_RECORD_TTL_MS],
      );
    },
    async runFinished(runId, status, outputs, error) {
      const fields: Record<string, string | number> = { status, outputs: JSON.stringify(outputs) };
      if (error) fields['error'] = JSON.stringify(error);
      fields['finishedAt'] = clock.now();
      await send(...setCommands(runId, fields), statCommand(`runs_${status}`));
    },
    async markRetrying(runId, error) {
      await send(
        ...setCommands(runId, { status: 'retrying', error: JSON.stringify(error) }),
        statCommand('runs_retried'),
      );
    },
    async markFailed(runId, error, at) {
      const current = await redis.call('HGET', keys.run(runId), 'status');
      if (current === 'succeeded' || current === 'failed' || current === 'cancelled') return;
      await send(
        ...setCommands(runId, { status: 'failed', error: JSON.stringify(error), finishedAt: at }),
        statCommand('runs_failed'),
      );
    },
    async get(runId) {
      const fields = Object.fromEntries(pairs(await redis.call('HGETALL', keys.run(runId))));
      if (fields['runId'] === undefined && fields['status'] === undefined) return null;
      const steps = pairs(await redis.call('HGETALL', keys.runSteps(runId))).map(
        ([, json]) => JSON.parse(json) as StepRecord,
      );
      return toRunRecord(runId, fields, steps);
    },
    async list(options = {}) {
      const offset = options.offset ?? 0;
      const limit = options.limit ?? 20;
      const ids = await redis.call('ZREVRANGE', keys.runIndex(), offset, offset + limit - 1);
      const out: RunRecord[] = [];
      for (const id of Array.isArray(ids) ? ids : []) {
        const record = await this.get(String(id));
        if (record) out.push(record);
      }
      return out;
    },
    async stats() {
      const flat = pairs(await redis.call('HGETALL', keys.stats()));
      return Object.fromEntries(flat.map(([k, v]) => [k, Number(v)]));
    },
    async incrementStat(name, by = 1) {
      await stat(name, by);
    },
  };
}

function toRunRecord(runId: string, f: Record<string, string>, rawSteps: StepRecord[]): RunRecord {
  const num = (v: string | undefined): number | null => (v === undefined ? null : Number(v));
  const json = <T>(v: string | undefined, fallback: T): T =>
    v === undefined ? fallback : (JSON.parse(v) as T);
  const order = json<string[]>(f['stepIds'], []);
  const rank = (id: string): number => {
    const i = order.indexOf(id);
    return i === -1 ? order.length : i;
  };
  const steps = [...rawSteps].sort((a, b) => rank(a.id) - rank(b.id));
  const startedAt = num(f['startedAt']);
  const finishedAt = num(f['finishedAt']);
  return {
    runId,
    playbook: f['playbook'] ?? '?',
    file: f['file'] ?? '?',
    hash: f['hash'] ?? '',
    trigger: json(f['trigger'], { type: 'manual', source: '?', at: 0 }),
    inputs: json(f['inputs'], {}),
    dryRun: f['dryRun'] === '1',
    status: (f['status'] ?? 'queued') as RunRecordStatus,
    enqueuedAt: num(f['enqueuedAt']),
    startedAt,
    finishedAt,
    durationMs: startedAt !== null && finishedAt !== null ? finishedAt - startedAt : null,
    attempts: num(f['attempts']) ?? 0,
    apiCalls: steps.reduce((sum, s) => sum + (s.apiCalls ?? 0), 0),
    error: json(f['error'], null),
    outputs: json(f['outputs'], null),
    steps,
  };
}
