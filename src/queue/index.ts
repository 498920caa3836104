export { connectRedis, createRunQueue, startQueueWorker } from './bullmq.ts';
export type {
  ActiveJob,
  AddResult,
  ConnectionRole,
  DashboardQueue,
  FailureAction,
  LuaScript,
  QueueWorker,
  QueueWorkerOptions,
  RedisClient,
  RunQueue,
  RunQueueOptions,
} from './bullmq.ts';
export { createCheckpointStore } from './checkpoint-store.ts';
export type { JobFence } from './checkpoint-store.ts';
export { enqueueRun, openTalonQueue } from './enqueue.ts';
export type { EnqueueRequest, EnqueueResult, TalonQueue, TalonQueueOptions } from './enqueue.ts';
export {
  parseRunJobData,
  RUN_JOB_VERSION,
  runTenant,
  toRunJobData,
  toStoredRunJob,
} from './job-data.ts';
export { PLAN_TTL_MS, planReference } from './plan-store.ts';
export { createTenantClients } from './tenant-clients.ts';
export { parseTenantStatField, tenantStatField } from './tenant-stats.ts';
export type { TenantClients, TenantClientsOptions } from './tenant-clients.ts';
export { canonicalJson, signRunJob, verifyRunJob } from './job-signature.ts';
export type { RunJobData, RunTrigger, RunTriggerType, StoredRunJob } from './job-data.ts';
export {
  cronRunId,
  DEFAULT_PREFIX,
  ENQUEUE_CLAIM_TTL_MS,
  isValidRunId,
  keyLayout,
  pollRunId,
  RUN_QUEUE_NAME,
  RUN_RECORD_TTL_MS,
  shortHash,
  slugify,
  streamRunId,
  taggedPrefix,
} from './names.ts';
export { hashTagOf, keySlot } from './key-slot.ts';
export type { KeyLayout } from './names.ts';
export {
  classifyFailure,
  createRunProcessor,
  isRetryableCode,
  RunAttemptFailed,
  RunSlotBusy,
  RunWaiting,
} from './processor.ts';
export { createRunSlots } from './run-slots.ts';
export type { RunSlots } from './run-slots.ts';
export type { RunExecutor, RunOutcome, RunProcessorDeps } from './processor.ts';
export { createRedisRateBudget } from './rate-budget.ts';
export type { RateBudget, RateBudgetOptions } from './rate-budget.ts';
export { createRunRecords } from './run-records.ts';
export type { RunRecord, RunRecordStatus, RunRecords } from './run-records.ts';
export { createRunRecorder, RECORDING_MAX_BYTES } from './run-recording.ts';
export type {
  RecordedAction,
  RecordedApproval,
  RecordedRead,
  RecordedWrite,
  RunRecorder,
  RunRecording,
} from './run-recording.ts';
export {
  backfillFinishedRuns,
  createRunTrimmer,
  forgetFinishedRuns,
  TRIM_EVERY,
} from './run-retention.ts';
export type { RunTrimmer } from './run-retention.ts';
export { startRunWorker } from './run-worker.ts';
export type { RunWorker, RunWorkerOptions } from './run-worker.ts';
export { createEngineExecutor, runInProcess } from './engine-executor.ts';
export type { EngineExecutorOptions, InProcessRun } from './engine-executor.ts';
export { defaultActionRunner, startTalonWorker } from './runtime.ts';
export type { TalonWorkerOptions } from './runtime.ts';
export { formatDuration, formatRunDetail, formatRunList, formatStepLine } from './format-run.ts';
export { WORKER_DEFAULTS } from './worker-defaults.ts';
export { createApprovalStore } from './approval-store.ts';
export type {
  ApprovalAuditEntry,
  ApprovalStore,
  ApprovalStoreOptions,
  ApprovalVoteRequest,
  ApprovalVoteResult,
} from './approval-store.ts';
export { decideApproval, requireApproval } from './approval-decisions.ts';
export type { ApprovalDecider } from './approval-decisions.ts';
export { formatApproval, formatApprovalList } from './format-approvals.ts';
export { queryRuns } from './run-query.ts';
export type { RunFilter, RunPage, RunSummary } from './run-query.ts';
