import { randomBytes, randomUUID } from 'node:crypto';

/** A random UUID (v4). */
export function newUuid(): string {
  return randomUUID();
}

/** `n` random bytes as lower-case hex. */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** A run id: sortable by creation time, safe in BullMQ job ids (no ':'). */
export function newRunId(nowMs: number = Date.now()): string {
  return `run-${nowMs.toString(36)}-${randomBytes(5).toString('hex')}`;
}
