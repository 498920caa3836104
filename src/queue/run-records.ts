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
import type { CompiledPlaybook } from '../playbook/compiled.ts';
import { type Clock, SoarError, systemClock } from '../shared/index.ts';
import type { LuaScript, RedisClient } from './bullmq.ts';
import { type HeldCheckpoint, pairs } from './checkpoint-store.ts';
import type { RunJobData, RunTriggerType } from './job-data.ts';
import { RECORDING_FIELD_PREFIX, type RunRecording } from './run-recording.ts';
import { ENQUEUE_CLAIM_TTL_MS, type KeyLayout, RUN_RECORD_TTL_MS, slugify } from './names.ts';
import { forgetFinishedRuns } from './run-retention.ts';
import { PLAN_TTL_MS, planReference } from './plan-store.ts';

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
  /** The tenant the run acts in (`default` when the playbook names none). */
  tenant: string;
  /** MSSP: the child CID the run acts in; null = the tenant itself. */
  child: string | null;
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
  /** While the run waits for an approval: the step and its deadline (epoch ms). */
  waitingFor?: { step: string; until: number } | null;
}

export interface RunRecords extends RunEvents {
  /**
   * Takes the run id's enqueue claim (`keys.enqueueClaim`) and, if it was free, records the run as
   * queued, in one command. False: another producer claimed this run id; nothing was written.
   * With `claim: false` (a run id just generated, that no other producer can know) no claim is kept.
   */
  claimAndRecordQueued(data: RunJobData, options?: { claim?: boolean }): Promise<boolean>;
  /** Removes the record written by claimAndRecordQueued when the job was not added after all. */
  unrecordQueued(runId: string): Promise<void>;
  /** How long ago the run id's enqueue claim was taken (Redis' clock), or null when there is none. */
  claimAgeMs(runId: string): Promise<number | null>;
  /** Writes several events of one run at once (one Redis command). */
  write(runId: string, batch: RunRecordBatch): Promise<void>;
  /** The command `write` sends, for a caller that sends it on another connection (the job's completion). */
  prepareWrite(runId: string, batch: RunRecordBatch): PreparedRecordWrite;
  /** The attempt failed with a retryable error and BullMQ will try again. */
  markRetrying(runId: string, error: { code: string; message: string }): Promise<void>;
  /** The run parked at approval step `step` until `until` (epoch ms) or a decision. */
  markWaiting(runId: string, step: string, until: number): Promise<void>;
  /** A failure outside the engine (bad job data, stalled too often); keeps a finished status. */
  markFailed(runId: string, error: { code: string; message: string }, at: number): Promise<void>;
  /**
   * `talon runs resume`, before the job goes back in the queue: the record turns 'queued' (it leaves
   * the finished-runs indexes, so retention can no longer delete its checkpoints). Null when the record
   * is gone. `undo()` restores it when the job could not be resumed after all.
   */
  beginResume(runId: string): Promise<{ undo(): Promise<void> } | null>;
  get(runId: string): Promise<RunRecord | null>;
  /** Stores one attempt's recording (run-recording.ts) with the run's record. */
  saveRecording(runId: string, field: string, json: string): Promise<void>;
  /** The recordings of a run's attempts, oldest first (empty when none was kept). */
  recordings(runId: string): Promise<RunRecording[]>;
  /**
   * Deletes finished runs (succeeded, failed, cancelled) enqueued before `before` (epoch ms), and those
   * beyond the newest `keep` runs: record, steps, checkpoints, intents. Unfinished runs are kept.
   * Returns how many were deleted.
   */
  prune(options: { before?: number; keep?: number }): Promise<number>;
  /** The stored status of a run, or null. */
  status(runId: string): Promise<RunRecordStatus | null>;
  /**
   * Newest first; with `status`, only runs in that status (among the newest `scan` runs, default 10,000).
   * Failed runs come from their own index, newest failure first, however many runs came after them.
   */
  list(options?: {
    limit?: number;
    offset?: number;
    status?: RunRecordStatus;
    scan?: number;
  }): Promise<RunRecord[]>;
  stats(): Promise<Record<string, number>>;
  incrementStat(name: string, by?: number): Promise<void>;
}

/** A record write made ready to send on a connection of the caller's choice (see prepareWrite). */
export interface PreparedRecordWrite {
  script: LuaScript;
  keys: string[];
  args: (string | number)[];
  /** Takes the script's reply: throws SOAR_QUEUE_LOCK_LOST when the fence refused the write. */
  applied(reply: unknown): void;
}

/** Several run-record events of one run, written together (see run-event-buffer.ts). */
export interface RunRecordBatch {
  /**
   * The prefix of the run's per-tenant stats fields (`t.<tenant>.`, tenant-stats.ts): the same script
   * counts the tenant's runs and Falcon calls beside the fleet's, with no round trip of its own.
   */
  tenantStats?: string;
  /** runStarted(at). */
  startedAt?: number;
  /**
   * With `startedAt`: attempts known to have started before this one (failed + stalled, from BullMQ).
   * An attempt killed before its coalesced events were written is still counted.
   */
  attemptsBefore?: number;
  /** The latest record of each step that changed, in the order the steps changed. */
  steps?: StepRecord[];
  finished?: {
    status: RunStatus;
    outputs: Record<string, unknown>;
    error: { code: string; message: string } | null;
    at: number;
  };
  /**
   * A run's last checkpoint, written fenced in the same script (the run worker's final write): if the
   * job lock no longer holds, nothing of the batch is written and write() throws SOAR_QUEUE_LOCK_LOST.
   */
  checkpoint?: HeldCheckpoint;
  /** The attempt's recording (run-recording.ts): a field of the run hash, written by the same script. */
  recording?: { field: string; json: string };
}

// One script per batch of events: one command instead of up to ~8 (run hash, step hash, stats).
// KEYS: run hash, steps hash, stats hash, checkpoints hash, intents hash, job lock, finished-runs index,
// failed-runs index. ARGV: ttlMs, startedAt|'', finishedStatus|'', outputsJson, errorJson|'', finishedAt,
// attemptsBefore, then the checkpoint: fenced ('1'|'0'|'': none), token, field, json, clear ('1'|'0'), then
// runId, then the run's per-tenant stats prefix ('' for none), then the recording's field and JSON ('' ''
// for none), then stepId/stepJson pairs. The checkpoint is written first, as checkpoint-store.ts's fenced write
// does, and a lost lock writes nothing (-1). Each step is counted once per terminal status and its API calls
// as the delta since the stored record, so repeated updates never double-count. A finished run joins its
// retention index by finish time (run-retention.ts).
const RUN_UPDATE: LuaScript = {
  name: 'talon-run-update',
  source: `
local ttl = ARGV[1]
if ARGV[8] ~= '' then
  if ARGV[8] == '1' and redis.call('GET', KEYS[6]) ~= ARGV[9] then return -1 end
  -- A run that succeeds in this batch drops its checkpoints below: its last one is not written at all.
  if ARGV[3] ~= 'succeeded' then
    if ARGV[12] == '1' then redis.call('DEL', KEYS[4], KEYS[5]) end
    redis.call('HSET', KEYS[4], ARGV[10], ARGV[11])
    redis.call('HDEL', KEYS[5], ARGV[10])
    redis.call('PEXPIRE', KEYS[4], ttl)
    redis.call('PEXPIRE', KEYS[5], ttl)
  end
end
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], 'status', 'running', 'startedAt', ARGV[2])
  redis.call('HDEL', KEYS[1], 'finishedAt', 'error')
  local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
  if attempts <= tonumber(ARGV[7]) then redis.call('HSET', KEYS[1], 'attempts', tonumber(ARGV[7]) + 1) end
  redis.call('HINCRBY', KEYS[3], 'runs_started', 1)
  if ARGV[14] ~= '' then redis.call('HINCRBY', KEYS[3], ARGV[14] .. 'runs_started', 1) end
end
if ARGV[15] ~= '' then redis.call('HSET', KEYS[1], ARGV[15], ARGV[16]) end
for i = 17, #ARGV, 2 do
  local old = redis.call('HGET', KEYS[2], ARGV[i])
  local new = cjson.decode(ARGV[i + 1])
  local oldStatus, oldCalls = '', 0
  if old then
    local o = cjson.decode(old)
    oldStatus = o.status
    oldCalls = tonumber(o.apiCalls) or 0
  end
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  local calls = (tonumber(new.apiCalls) or 0) - oldCalls
  if calls > 0 then
    redis.call('HINCRBY', KEYS[3], 'api_calls', calls)
    if ARGV[14] ~= '' then redis.call('HINCRBY', KEYS[3], ARGV[14] .. 'api_calls', calls) end
  end
  local s = new.status
  if s ~= oldStatus and (s == 'succeeded' or s == 'failed' or s == 'skipped') then
    redis.call('HINCRBY', KEYS[3], 'steps_' .. s, 1)
  end
end
if #ARGV >= 17 then redis.call('PEXPIRE', KEYS[2], ttl) end
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], 'status', ARGV[3], 'outputs', ARGV[4], 'finishedAt', ARGV[6])
  if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[5]) end
  redis.call('HINCRBY', KEYS[3], 'runs_' .. ARGV[3], 1)
  -- A tenant's failures are counted once, when BullMQ gives the run up (processor onFinalFailure).
  if ARGV[14] ~= '' and ARGV[3] ~= 'failed' then redis.call('HINCRBY', KEYS[3], ARGV[14] .. 'runs_' .. ARGV[3], 1) end
  if ARGV[3] == 'failed' then redis.call('ZADD', KEYS[8], ARGV[6], ARGV[13])
  elseif ARGV[3] == 'succeeded' or ARGV[3] == 'cancelled' then redis.call('ZADD', KEYS[7], ARGV[6], ARGV[13]) end
  -- A succeeded run needs its checkpoints no more: only failed runs are resumed (talon runs resume).
  if ARGV[3] == 'succeeded' then redis.call('DEL', KEYS[4], KEYS[5]) end
end
redis.call('PEXPIRE', KEYS[1], ttl)
return 1`,
};

// KEYS: run hash, run index, stats hash, claim key, sequence counter, the playbook's slot line, the
// finished-runs backfill marker (run-retention.ts), the plan's key (plan-store.ts). ARGV: ttlMs,
// enqueuedAt, runId, claimTtlMs, inLine ('1': the playbook has `concurrency`), the plan's JSON ('': this
// process stored it before, only renew it), the plan's TTL, then field/value pairs. Stores or renews the
// plan first; a plan this process stored but Redis no longer has (flushed, restarted without
// persistence) returns 2, nothing written, and the caller sends it again with the JSON. Takes the run id's enqueue claim first (0: another producer holds it, nothing written); a claim
// TTL of 0 takes none (a freshly generated run id: no other producer can know it). A fast
// worker may already have marked the run running: the status is only set if none exists. `seq` orders
// the runs of a playbook with `concurrency` in its slot line from the moment they are queued, so they
// start in enqueue order whichever worker takes them first (run-slots.ts). A deployment whose run index
// is empty has no runs of an older version to index: its first enqueue marks the backfill done.
const RUN_QUEUED: LuaScript = {
  name: 'talon-run-queued',
  source: `
if ARGV[6] ~= '' then redis.call('SET', KEYS[8], ARGV[6], 'PX', ARGV[7])
elseif redis.call('PEXPIRE', KEYS[8], ARGV[7]) == 0 then return 2 end
if ARGV[4] ~= '0' and redis.call('SET', KEYS[4], '1', 'PX', ARGV[4], 'NX') == false then return 0 end
local seq = redis.call('INCR', KEYS[5])
redis.call('HSET', KEYS[1], 'seq', seq, unpack(ARGV, 8))
if ARGV[5] == '1' then redis.call('ZADD', KEYS[6], 'NX', seq, ARGV[3]) end
redis.call('HSETNX', KEYS[1], 'status', 'queued')
redis.call('PEXPIRE', KEYS[1], ARGV[1])
if redis.call('ZCARD', KEYS[2]) == 0 then redis.call('SET', KEYS[7], '1') end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', tonumber(ARGV[2]) - tonumber(ARGV[1]))
redis.call('HINCRBY', KEYS[3], 'runs_queued', 1)
return 1`,
};

// KEYS: run hash, run index, stats hash. ARGV: runId. Undoes RUN_QUEUED when the job was not added.
const RUN_UNQUEUED: LuaScript = {
  name: 'talon-run-unqueued',
  source: `
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[3], 'runs_queued', -1)
return 1`,
};

export interface RunRecordsOptions {
  /** Called after a run's final status was stored (the run worker's retention trimmer counts them). */
  onFinished?(): void;
}

// KEYS: run hash, finished-runs index, failed-runs index, stats hash. ARGV: runId, ttlMs. Marks the run
// queued again and returns its status, finishedAt and error before, or nil when the record is gone.
const RUN_RESUMING: LuaScript = {
  name: 'talon-run-resuming',
  source: `
local before = redis.call('HMGET', KEYS[1], 'status', 'finishedAt', 'error')
if not before[1] then return nil end
redis.call('HSET', KEYS[1], 'status', 'queued')
redis.call('HDEL', KEYS[1], 'finishedAt', 'error')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HINCRBY', KEYS[4], 'runs_resumed', 1)
return { before[1], before[2] or '', before[3] or '' }`,
};

// Same KEYS; ARGV: runId, status, finishedAt|'', error|''. Undoes RUN_RESUMING.
const RUN_RESUME_UNDONE: LuaScript = {
  name: 'talon-run-resume-undone',
  source: `
redis.call('HSET', KEYS[1], 'status', ARGV[2])
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], 'finishedAt', ARGV[3])
  if ARGV[2] == 'failed' then redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
  elseif ARGV[2] == 'succeeded' or ARGV[2] == 'cancelled' then redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1]) end
end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[4]) end
redis.call('HINCRBY', KEYS[4], 'runs_resumed', -1)
return 1`,
};

/** What a run's record takes from its plan, worked out once per plan: a trigger enqueues many runs of one. */
interface PlanRecordFields {
  fields: readonly string[];
  slug: string;
}
const planRecordFields = new WeakMap<CompiledPlaybook, PlanRecordFields>();
function planRecord(plan: CompiledPlaybook): PlanRecordFields {
  let known = planRecordFields.get(plan);
  if (known === undefined) {
    known = {
      fields: [
        'playbook',
        plan.name,
        'file',
        plan.file,
        'hash',
        plan.hash,
        'stepIds',
        JSON.stringify(plan.steps.map((s) => s.id)),
      ],
      slug: slugify(plan.name),
    };
    planRecordFields.set(plan, known);
  }
  return known;
}

/** Run records for the deployment behind `keys`. */
export function createRunRecords(
  redis: RedisClient,
  keys: KeyLayout,
  clock: Clock = systemClock,
  options: RunRecordsOptions = {},
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
  // Digests of the plans this process stored in this deployment (plan-store.ts).
  const storedPlans = new Set<string>();
  const stat = (name: string, by = 1): Promise<void> => send(statCommand(name, by));
  return {
    async claimAndRecordQueued(data, claimOptions = {}) {
      const { trigger } = data;
      const fields: (string | number)[] = [
        'runId',
        data.runId,
        ...planRecord(data.playbook.plan).fields,
        'trigger',
        JSON.stringify({ type: trigger.type, source: trigger.source, at: trigger.at }),
        'inputs',
        JSON.stringify(data.inputs),
        'dryRun',
        data.dryRun ? '1' : '0',
        'enqueuedAt',
        data.enqueuedAt,
        'tenant',
        data.tenant ?? 'default',
      ];
      if (data.child !== undefined) fields.push('child', data.child);
      const plan = planReference(data.playbook.plan);
      const send = (planJson: string) =>
        redis.runScript(
          RUN_QUEUED,
          [
            keys.run(data.runId),
            keys.runIndex(),
            keys.stats(),
            keys.enqueueClaim(data.runId),
            keys.runSeq(),
            keys.slotLine(planRecord(data.playbook.plan).slug),
            keys.finishedRunsBackfilled(),
            keys.plan(plan.digest),
          ],
          [
            RUN_RECORD_TTL_MS,
            data.enqueuedAt,
            data.runId,
            claimOptions.claim === false ? 0 : ENQUEUE_CLAIM_TTL_MS,
            data.playbook.plan.concurrency === null ? '0' : '1',
            planJson,
            PLAN_TTL_MS,
            ...fields,
          ],
        );
      // Each plan's JSON goes to Redis once per process; later runs of it only renew it.
      let claimed = await send(storedPlans.has(plan.digest) ? '' : plan.json);
      if (claimed === 2) claimed = await send(plan.json);
      storedPlans.add(plan.digest);
      return claimed === 1;
    },
    async unrecordQueued(runId) {
      await redis.runScript(RUN_UNQUEUED, [keys.run(runId), keys.runIndex(), keys.stats()], [runId]);
    },
    async claimAgeMs(runId) {
      // Every claim is taken with ENQUEUE_CLAIM_TTL_MS and never extended: its age is what has gone.
      const left = Number(await redis.call('PTTL', keys.enqueueClaim(runId)));
      return left < 0 ? null : Math.max(0, ENQUEUE_CLAIM_TTL_MS - left);
    },
    prepareWrite(runId, batch) {
      const finished = batch.finished;
      const args: (string | number)[] = [
        RUN_RECORD_TTL_MS,
        batch.startedAt ?? '',
        finished?.status ?? '',
        finished ? JSON.stringify(finished.outputs) : '',
        finished?.error ? JSON.stringify(finished.error) : '',
        finished?.at ?? '',
        batch.attemptsBefore ?? 0,
      ];
      const cp = batch.checkpoint;
      if (cp === undefined) args.push('', '', '', '', '0');
      else args.push(cp.lockKey === null ? '0' : '1', cp.token, cp.field, cp.json, cp.clear);
      args.push(runId, batch.tenantStats ?? '', batch.recording?.field ?? '', batch.recording?.json ?? '');
      for (const step of batch.steps ?? []) args.push(step.id, JSON.stringify(step));
      return {
        script: RUN_UPDATE,
        keys: [
          keys.run(runId),
          keys.runSteps(runId),
          keys.stats(),
          keys.checkpoints(runId),
          keys.intents(runId),
          cp?.lockKey ?? keys.jobLock(runId),
          keys.finishedRuns(),
          keys.failedRuns(),
        ],
        args,
        applied(reply) {
          if (reply === -1) {
            throw new SoarError(
              'SOAR_QUEUE_LOCK_LOST',
              `run ${runId}: this worker no longer holds the job lock; its final record and "${cp?.field}" were not written`,
              { details: { runId, key: cp?.field ?? null } },
            );
          }
          if (finished !== undefined) options.onFinished?.();
        },
      };
    },
    async write(runId, batch) {
      const prepared = this.prepareWrite(runId, batch);
      prepared.applied(await redis.runScript(prepared.script, prepared.keys, prepared.args));
    },
    runStarted(runId, at) {
      return this.write(runId, { startedAt: at });
    },
    stepUpdated(runId, step) {
      return this.write(runId, { steps: [step] });
    },
    runFinished(runId, status, outputs, error) {
      return this.write(runId, { finished: { status, outputs, error, at: clock.now() } });
    },
    async markRetrying(runId, error) {
      await send(
        ...setCommands(runId, { status: 'retrying', error: JSON.stringify(error) }),
        statCommand('runs_retried'),
      );
    },
    async markWaiting(runId, step, until) {
      await send(...setCommands(runId, { status: 'waiting', waitingFor: JSON.stringify({ step, until }) }));
    },
    async markFailed(runId, error, at) {
      const current = await redis.call('HGET', keys.run(runId), 'status');
      if (current === 'succeeded' || current === 'failed' || current === 'cancelled') return;
      await send(
        ...setCommands(runId, { status: 'failed', error: JSON.stringify(error), finishedAt: at }),
        ['ZADD', keys.failedRuns(), at, runId],
        statCommand('runs_failed'),
      );
      options.onFinished?.();
    },
    async beginResume(runId) {
      const runKeys = [keys.run(runId), keys.finishedRuns(), keys.failedRuns(), keys.stats()];
      const before = await redis.runScript(RUN_RESUMING, runKeys, [runId, RUN_RECORD_TTL_MS]);
      if (!Array.isArray(before)) return null;
      const [status, finishedAt, error] = before.map(String) as [string, string, string];
      return {
        undo: async () => {
          await redis.runScript(RUN_RESUME_UNDONE, runKeys, [runId, status, finishedAt, error]);
        },
      };
    },
    async prune(options) {
      const index = keys.runIndex();
      const candidates = new Set<string>();
      if (options.before !== undefined) {
        const old = await redis.call('ZRANGEBYSCORE', index, '-inf', `(${options.before}`);
        for (const id of Array.isArray(old) ? old : []) candidates.add(String(id));
      }
      if (options.keep !== undefined) {
        const beyond = await redis.call('ZREVRANGE', index, options.keep, -1);
        for (const id of Array.isArray(beyond) ? beyond : []) candidates.add(String(id));
      }
      const ids = [...candidates];
      let deleted = 0;
      // A record that expired already (TTL) leaves only its index entries: those go too.
      for (let i = 0; i < ids.length; i += 500)
        deleted += await forgetFinishedRuns(redis, keys, ids.slice(i, i + 500));
      return deleted;
    },
    async saveRecording(runId, field, json) {
      await send(...setCommands(runId, { [field]: json }));
    },
    async recordings(runId) {
      const fields = pairs(await redis.call('HGETALL', keys.run(runId)));
      return fields
        .filter(([name]) => name.startsWith(RECORDING_FIELD_PREFIX))
        .sort(([a], [b]) => attemptOrder(a) - attemptOrder(b))
        .map(([, json]) => JSON.parse(json) as RunRecording);
    },
    async status(runId) {
      const status = await redis.call('HGET', keys.run(runId), 'status');
      return typeof status === 'string' ? (status as RunRecordStatus) : null;
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
      const wanted = options.status;
      if (wanted === undefined) {
        const ids = await redis.call('ZREVRANGE', keys.runIndex(), offset, offset + limit - 1);
        const out: RunRecord[] = [];
        for (const id of Array.isArray(ids) ? ids : []) {
          const record = await this.get(String(id));
          if (record) out.push(record);
        }
        return out;
      }
      if (wanted === 'failed') {
        // Retention keeps failed runs apart (run-retention.ts): all of them are listed, not only those
        // among the newest `scan` runs.
        const ids = await redis.call('ZREVRANGE', keys.failedRuns(), offset, offset + limit - 1);
        const records = await Promise.all((Array.isArray(ids) ? ids : []).map((id) => this.get(String(id))));
        return records.filter((r): r is RunRecord => r?.status === 'failed');
      }
      // Filtered: read statuses a page at a time (one round trip per page) and the matching records.
      const scan = options.scan ?? 10_000;
      const out: RunRecord[] = [];
      let skipped = 0;
      for (let start = 0; start < scan && out.length < limit; start += 200) {
        const page = await redis.call('ZREVRANGE', keys.runIndex(), start, Math.min(scan, start + 200) - 1);
        const ids = Array.isArray(page) ? page.map(String) : [];
        if (ids.length === 0) break;
        const statuses = await Promise.all(ids.map((id) => redis.call('HGET', keys.run(id), 'status')));
        for (const [i, id] of ids.entries()) {
          if (statuses[i] !== wanted || out.length >= limit) continue;
          if (skipped++ < offset) continue;
          const record = await this.get(id);
          if (record) out.push(record);
        }
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

/** `recording:<attempt start ms>-<attempt>`: attempts sort by their start. */
const attemptOrder = (field: string): number =>
  Number.parseInt(field.slice(RECORDING_FIELD_PREFIX.length), 10);

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
    tenant: f['tenant'] ?? 'default',
    child: f['child'] ?? null,
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
    waitingFor: f['status'] === 'waiting' ? json(f['waitingFor'], null) : null,
  };
}
