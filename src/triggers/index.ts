export { assertCronExpression, nextSlot, slotsBetween, startCronTimers } from './cron.ts';
export type { CronTimer, CronTimers } from './cron.ts';
export { startPollTrigger } from './poll.ts';
export type { PollHandle, PollOutcome, PollTriggerOptions } from './poll.ts';
export { readSchedulerEvents, startScheduler } from './scheduler.ts';
export { readStreamStatus, startStreamTrigger } from './stream.ts';
export type { StreamStatus, StreamTriggerHandle, StreamTriggerOptions } from './stream.ts';
export type { Scheduler, SchedulerEvent, SchedulerOptions } from './scheduler.ts';
export {
  canonicalHookPath,
  DEFAULT_WEBHOOK_BODY_LIMIT,
  DELIVERY_HEADER,
  handleWebhook,
  MIN_WEBHOOK_SECRET_LENGTH,
  parseWebhookBody,
  REPLAY_WINDOW_MS,
  SIGNATURE_HEADER,
  signWebhook,
  verifyWebhookSignature,
  WEBHOOK_HTTP_STATUS,
  webhookHeaders,
  webhookRoutes,
} from './webhook.ts';
export type { SignedWebhook, WebhookHandlerOptions, WebhookRequest, WebhookRoute } from './webhook.ts';
export { eventDataFromRaw } from './stream-match.ts';
export type { StreamEventData } from './stream-match.ts';
