/**
 * Approvals in Redis. One JSON document per approval step of a run (`keys.approval(run, step)`),
 * an index of open approvals by deadline (`keys.approvalsOpen()`) and a capped audit list
 * (`keys.approvalsAudit()`). Every change is one Lua script, so a decision is recorded once: two
 * clicks, two approvers racing, or a decision racing the timeout each get one clear answer, and the
 * caller learns whether *its* call closed the approval (only that call wakes the run).
 *
 * The timeout policy is applied by the same script whoever comes first after the deadline (the
 * parked run waking up, or a late decision): escalation extends the deadline and adds approvers;
 * otherwise the approval ends as timed out with the policy's choice (null for `fail`).
 */
import type {
  ApprovalPort,
  ApprovalRecord,
  ApprovalRequest,
  ApprovalVote,
} from '../actions/approval-types.ts';
import { type ErrorCode, SoarError } from '../shared/index.ts';
import type { LuaScript, RedisClient } from './bullmq.ts';
import { type KeyLayout, RUN_RECORD_TTL_MS } from './names.ts';

/** Audit entries kept (newest first). */
const AUDIT_MAX = 10_000;

// Shared Lua: the timeout transition (loops: a run that wakes long after an escalation's deadline
// applies both), set membership, save and audit.
const LUA_HELPERS = `
local function has(list, value)
  for _, v in ipairs(list) do if v == value then return true end end
  return false
end
local function audit(key, doc, entry, max)
  entry.runId = doc.runId
  entry.stepId = doc.stepId
  entry.playbook = doc.playbook
  redis.call('LPUSH', key, cjson.encode(entry))
  redis.call('LTRIM', key, 0, max - 1)
end
local function expire(doc, now, auditKey, max)
  local changed = false
  while doc.status == 'open' and now >= doc.deadline do
    if doc.onTimeout == 'escalate' and not doc.escalated then
      doc.escalated = true
      doc.deadline = doc.deadline + doc.escalation.timeoutMs
      for _, name in ipairs(doc.escalationApprovers) do
        if not has(doc.approvers, name) then table.insert(doc.approvers, name) end
      end
      audit(auditKey, doc, { at = now, outcome = 'escalated', by = doc.escalationApprovers }, max)
    else
      local policy = doc.onTimeout
      if doc.escalated then policy = doc.escalation.policy end
      local choice = policy
      if policy == 'fail' then choice = cjson.null end
      doc.status = 'timed_out'
      doc.decision = { choice = choice, by = {}, at = doc.deadline, channel = 'timeout', reason = cjson.null }
      audit(auditKey, doc, { at = now, outcome = 'timed_out', choice = choice }, max)
    end
    changed = true
  end
  return changed
end
local function save(key, zset, member, doc)
  redis.call('SET', key, cjson.encode(doc), 'KEEPTTL')
  if doc.status == 'open' then redis.call('ZADD', zset, doc.deadline, member)
  else redis.call('ZREM', zset, member) end
end
`;

// KEYS: approval doc, open index. ARGV: doc json, ttlMs, member, deadline. First open wins.
const OPEN: LuaScript = {
  name: 'talon-approval-open',
  source: `
local cur = redis.call('GET', KEYS[1])
if cur then return cur end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
return ARGV[1]`,
};

// KEYS: approval doc, open index, audit. ARGV: now, member, auditMax.
const EXPIRE: LuaScript = {
  name: 'talon-approval-expire',
  source: `${LUA_HELPERS}
local raw = redis.call('GET', KEYS[1])
if not raw then return cjson.encode({ error = 'not_open' }) end
local doc = cjson.decode(raw)
if expire(doc, tonumber(ARGV[1]), KEYS[3], tonumber(ARGV[3])) then save(KEYS[1], KEYS[2], ARGV[2], doc) end
return cjson.encode({ record = doc })`,
};

// KEYS: approval doc, open index, audit. ARGV: approver, choice, reason, channel, now, member, auditMax.
// Returns {record, closed} or {error, record}. closed = this call ended the approval (wake the run).
const DECIDE: LuaScript = {
  name: 'talon-approval-decide',
  source: `${LUA_HELPERS}
local raw = redis.call('GET', KEYS[1])
if not raw then return cjson.encode({ error = 'not_open' }) end
local doc = cjson.decode(raw)
local by, choice, reason, channel = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local now, max = tonumber(ARGV[5]), tonumber(ARGV[7])
local closed = false
if expire(doc, now, KEYS[3], max) then
  save(KEYS[1], KEYS[2], ARGV[6], doc)
  closed = doc.status ~= 'open'
end
local function refuse(code)
  audit(KEYS[3], doc, { at = now, outcome = 'refused:' .. code, by = by, choice = choice, channel = channel }, max)
  return cjson.encode({ error = code, record = doc, closed = closed })
end
if doc.status == 'decided' then return refuse('already_decided') end
if doc.status == 'timed_out' then return refuse('expired') end
if not has(doc.approvers, by) then return refuse('not_approver') end
if not has(doc.choices, choice) then return refuse('bad_choice') end
if doc.requireReason and reason == '' then return refuse('reason_required') end
for _, v in ipairs(doc.votes) do if v.by == by then return refuse('already_voted') end end
local r = cjson.null
if reason ~= '' then r = reason end
table.insert(doc.votes, { by = by, choice = choice, at = now, channel = channel, reason = r })
local voters = {}
for _, v in ipairs(doc.votes) do if v.choice == choice then table.insert(voters, v.by) end end
local outcome = 'vote'
if choice == 'deny' or #voters >= doc.minApprovals then
  doc.status = 'decided'
  doc.decision = { choice = choice, by = voters, at = now, channel = channel, reason = r }
  outcome = 'decided'
  closed = true
end
save(KEYS[1], KEYS[2], ARGV[6], doc)
audit(KEYS[3], doc, { at = now, outcome = outcome, by = by, choice = choice, channel = channel, reason = r }, max)
return cjson.encode({ record = doc, closed = closed })`,
};

/** One decision attempt by a person. */
export interface ApprovalVoteRequest {
  runId: string;
  stepId: string;
  by: string;
  choice: string;
  reason: string | null;
  channel: Exclude<ApprovalVote['channel'], 'timeout'>;
}

/** What a recorded vote did: `closed` = it ended the approval (the run must be woken). */
export interface ApprovalVoteResult {
  record: ApprovalRecord;
  closed: boolean;
}

/** One audit entry: a vote, a decision, a refusal, an escalation or a timeout. */
export interface ApprovalAuditEntry {
  at: number;
  runId: string;
  stepId: string;
  playbook: string;
  outcome: string;
  by?: string | string[];
  choice?: string | null;
  channel?: string;
  reason?: string | null;
}

export interface ApprovalStore extends ApprovalPort {
  get(runId: string, stepId: string): Promise<ApprovalRecord | null>;
  /** The approvals of one run among `stepIds` (those that were opened), in that order. */
  forRun(runId: string, stepIds: readonly string[]): Promise<ApprovalRecord[]>;
  /** Open approvals, soonest deadline first. */
  listOpen(limit?: number): Promise<ApprovalRecord[]>;
  /**
   * Records one vote.
   * @throws SoarError SOAR_APPROVAL_NOT_OPEN, _ALREADY_DECIDED, _EXPIRED, _NOT_APPROVER, _BAD_CHOICE,
   *   _REASON_REQUIRED, _ALREADY_VOTED; `details.closed` says whether the timeout closed it just now.
   */
  vote(vote: ApprovalVoteRequest, now: number): Promise<ApprovalVoteResult>;
  /** Newest first. */
  audit(limit?: number): Promise<ApprovalAuditEntry[]>;
}

export interface ApprovalStoreOptions {
  /** Approver groups by name (without the `group:` prefix): user names, lower case. */
  groups?: Readonly<Record<string, readonly string[]>>;
}

const REFUSALS: Record<string, ErrorCode> = {
  not_open: 'SOAR_APPROVAL_NOT_OPEN',
  already_decided: 'SOAR_APPROVAL_ALREADY_DECIDED',
  expired: 'SOAR_APPROVAL_EXPIRED',
  not_approver: 'SOAR_APPROVAL_NOT_APPROVER',
  bad_choice: 'SOAR_APPROVAL_BAD_CHOICE',
  reason_required: 'SOAR_APPROVAL_REASON_REQUIRED',
  already_voted: 'SOAR_APPROVAL_ALREADY_VOTED',
};

/** The approval store of the deployment behind `keys`. */
export function createApprovalStore(
  redis: RedisClient,
  keys: KeyLayout,
  options: ApprovalStoreOptions = {},
): ApprovalStore {
  const groups = options.groups ?? {};
  const member = (runId: string, stepId: string) => `${runId}/${stepId}`;
  const scriptKeys = (runId: string, stepId: string) => [
    keys.approval(runId, stepId),
    keys.approvalsOpen(),
    keys.approvalsAudit(),
  ];
  const expand = (declared: readonly string[], stepId: string): string[] => {
    const names: string[] = [];
    for (const entry of declared) {
      const members = entry.startsWith('group:') ? groups[entry.slice('group:'.length)] : [entry];
      if (members === undefined) {
        throw new SoarError(
          'SOAR_APPROVAL_UNKNOWN_GROUP',
          `step "${stepId}": approver group "${entry.slice('group:'.length)}" is not defined (TALON_APPROVER_GROUPS)`,
          { details: { step: stepId } },
        );
      }
      for (const name of members) if (!names.includes(name)) names.push(name);
    }
    return names;
  };
  const getMany = async (pairs: [string, string][]): Promise<(ApprovalRecord | null)[]> => {
    if (pairs.length === 0) return [];
    const reply = await redis.call('MGET', ...pairs.map(([r, s]) => keys.approval(r, s)));
    return (Array.isArray(reply) ? reply : []).map((raw) =>
      typeof raw === 'string' ? parseRecord(raw) : null,
    );
  };
  return {
    async open(request: ApprovalRequest, now) {
      const escalationApprovers = request.escalation
        ? expand(request.escalation.declared, request.stepId)
        : [];
      const record: ApprovalRecord = {
        ...request,
        status: 'open',
        approvers: expand(request.declared, request.stepId),
        escalationApprovers,
        openedAt: now,
        deadline: now + request.timeoutMs,
        escalated: false,
        votes: [],
        decision: null,
      };
      const ttl = request.timeoutMs + (request.escalation?.timeoutMs ?? 0) + RUN_RECORD_TTL_MS;
      const raw = await redis.runScript(OPEN, scriptKeys(request.runId, request.stepId).slice(0, 2), [
        JSON.stringify(record),
        ttl,
        member(request.runId, request.stepId),
        record.deadline,
      ]);
      return parseRecord(String(raw));
    },
    async expire(runId, stepId, now) {
      const raw = await redis.runScript(EXPIRE, scriptKeys(runId, stepId), [
        now,
        member(runId, stepId),
        AUDIT_MAX,
      ]);
      const reply = JSON.parse(String(raw)) as { record?: unknown; error?: string };
      if (reply.record === undefined) throw refusal('not_open', runId, stepId);
      return normalize(reply.record);
    },
    async get(runId, stepId) {
      return (await getMany([[runId, stepId]]))[0] ?? null;
    },
    async forRun(runId, stepIds) {
      const records = await getMany(stepIds.map((s) => [runId, s]));
      return records.filter((r): r is ApprovalRecord => r !== null);
    },
    async listOpen(limit = 100) {
      const members = await redis.call('ZRANGE', keys.approvalsOpen(), 0, limit - 1);
      const pairs = (Array.isArray(members) ? members : []).map((m) => {
        const [runId = '', stepId = ''] = String(m).split('/');
        return [runId, stepId] as [string, string];
      });
      const records = await getMany(pairs);
      return records.filter((r): r is ApprovalRecord => r !== null && r.status === 'open');
    },
    async vote(vote, now) {
      const raw = await redis.runScript(DECIDE, scriptKeys(vote.runId, vote.stepId), [
        vote.by.trim().toLowerCase(),
        vote.choice,
        vote.reason?.trim() ?? '',
        vote.channel,
        now,
        member(vote.runId, vote.stepId),
        AUDIT_MAX,
      ]);
      const reply = JSON.parse(String(raw)) as { record?: unknown; error?: string; closed?: boolean };
      const record = reply.record === undefined ? null : normalize(reply.record);
      if (reply.error !== undefined)
        throw refusal(reply.error, vote.runId, vote.stepId, record, reply.closed === true, vote);
      return { record: record as ApprovalRecord, closed: reply.closed === true };
    },
    async audit(limit = 50) {
      const entries = await redis.call('LRANGE', keys.approvalsAudit(), 0, limit - 1);
      return (Array.isArray(entries) ? entries : []).map((e) => JSON.parse(String(e)) as ApprovalAuditEntry);
    },
  };
}

function refusal(
  code: string,
  runId: string,
  stepId: string,
  record: ApprovalRecord | null = null,
  closed = false,
  vote?: ApprovalVoteRequest,
): SoarError {
  const where = `run ${runId} step "${stepId}"`;
  const decided = record?.decision
    ? `${record.decision.choice ?? 'fail'} by ${record.decision.by.join(', ') || 'the timeout'} via ${record.decision.channel} at ${new Date(record.decision.at).toISOString()}`
    : '';
  const messages: Record<string, string> = {
    not_open: `${where} has no open approval (the run has not reached it)`,
    already_decided: `${where} was already decided: ${decided}; nothing was changed`,
    expired: `${where} timed out at ${record?.decision ? new Date(record.decision.at).toISOString() : '?'} (${decided}); nothing was changed`,
    not_approver: `"${vote?.by ?? '?'}" is not an approver of ${where} (approvers: ${record?.approvers.join(', ') ?? '?'})`,
    bad_choice: `"${vote?.choice ?? '?'}" is not a choice of ${where} (choices: ${record?.choices.join(', ') ?? '?'})`,
    reason_required: `${where} requires a reason with every decision`,
    already_voted: `"${vote?.by ?? '?'}" already decided on ${where}; it still waits for other approvers (min_approvals ${record?.minApprovals ?? '?'})`,
  };
  return new SoarError(REFUSALS[code] ?? 'SOAR_INTERNAL', messages[code] ?? `${where}: ${code}`, {
    details: { runId, step: stepId, closed },
  });
}

function parseRecord(raw: string): ApprovalRecord {
  return normalize(JSON.parse(raw));
}

/** Lua's cjson writes empty arrays as {}: give every list field back its array shape. */
function normalize(value: unknown): ApprovalRecord {
  const record = value as ApprovalRecord;
  const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
  return {
    ...record,
    declared: list(record.declared),
    choices: list(record.choices),
    approvers: list(record.approvers),
    escalationApprovers: list(record.escalationApprovers),
    votes: list<ApprovalVote>(record.votes),
    escalation: record.escalation
      ? { ...record.escalation, declared: list(record.escalation.declared) }
      : null,
    decision: record.decision ? { ...record.decision, by: list(record.decision.by) } : null,
  };
}
