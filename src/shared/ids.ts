import { randomBytes, randomUUID } from 'node:crypto';

/** A random UUID (v4). */
export function newUuid(): string {
  return randomUUID();
}

/** `n` random bytes as lower-case hex. */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** Random bytes for run ids, drawn from the system in blocks: one call per id cost more than the rest of an enqueue. */
const RUN_ID_RANDOM_BYTES = 5;
const RANDOM_POOL_BYTES = 4096;
let randomPool = Buffer.alloc(0);
let randomPoolOffset = 0;

/** A run id: sortable by creation time, safe in BullMQ job ids (no ':'). */
export function newRunId(nowMs: number = Date.now()): string {
  if (randomPoolOffset + RUN_ID_RANDOM_BYTES > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomPoolOffset = 0;
  }
  const random = randomPool.toString('hex', randomPoolOffset, randomPoolOffset + RUN_ID_RANDOM_BYTES);
  randomPoolOffset += RUN_ID_RANDOM_BYTES;
  return `run-${nowMs.toString(36)}-${random}`;
}
