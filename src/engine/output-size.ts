/**
 * Bounds what a step may checkpoint. A checkpoint is one JSON string in the store, and V8 cannot build
 * a string past ~512 MiB (`RangeError: Invalid string length`, after the worker has already grown by
 * gigabytes). The engine measures an output before saving it and fails the step with a clear error
 * instead; the measure stops as soon as the limit is passed, so an oversized output costs no string.
 */
import { engineError } from './run-errors.ts';

/** Largest step output the engine checkpoints, in approximate JSON bytes. */
export const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/**
 * Approximate JSON size of `value` in bytes (strings count their UTF-16 length plus quotes), or
 * `limit + 1` as soon as it is known to exceed `limit`.
 */
export function jsonSizeUpTo(value: unknown, limit: number): number {
  let size = sizeOfScalar(value);
  // An explicit stack instead of recursion: outputs can nest deeper than the call stack allows. Only
  // lists and objects go on it; scalars are counted where they are met.
  const stack: object[] = [];
  if (typeof value === 'object' && value !== null) stack.push(value);
  while (stack.length > 0) {
    const next = stack.pop() as object;
    if (Array.isArray(next)) {
      size += 2 + next.length;
      for (const item of next) {
        if (typeof item === 'object' && item !== null) stack.push(item);
        else size += sizeOfScalar(item);
      }
    } else {
      size += 2;
      // Keys alone: Object.entries would build a pair per field of every resource measured.
      const record = next as Record<string, unknown>;
      for (const key in record) {
        if (!Object.hasOwn(record, key)) continue;
        const item = record[key];
        size += key.length + 4;
        if (typeof item === 'object' && item !== null) stack.push(item);
        else size += sizeOfScalar(item);
      }
    }
    if (size > limit) return limit + 1;
  }
  return size > limit ? limit + 1 : size;
}

function sizeOfScalar(value: unknown): number {
  if (typeof value === 'string') return value.length + 2;
  if (typeof value === 'number') return 8;
  if (typeof value === 'boolean' || value === null || value === undefined) return 5;
  return 0;
}

/** Throws SOAR_ENGINE_OUTPUT_TOO_LARGE (not retryable) when `output` of step `stepId` exceeds `limit`. */
export function assertOutputFits(stepId: string, output: unknown, limit = MAX_OUTPUT_BYTES): void {
  if (jsonSizeUpTo(output, limit) <= limit) return;
  // Measured on (bounded) only to tell the size: walking costs time, never memory.
  const cap = limit * 16;
  const size = jsonSizeUpTo(output, cap);
  throw outputTooLarge(
    stepId,
    size > cap ? `more than ${formatMiB(cap)}` : `about ${formatMiB(size)}`,
    limit,
  );
}

/** The error for an output too large to checkpoint; `size` is a phrase such as "more than 64 MiB". */
export function outputTooLarge(stepId: string, size: string, limit = MAX_OUTPUT_BYTES): Error {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax.
  const example = 'select: ${{ resources.id }}';
  return engineError(
    'SOAR_ENGINE_OUTPUT_TOO_LARGE',
    `step "${stepId}" output is ${size} as JSON, above the ${formatMiB(limit)} a checkpoint may hold; ` +
      `keep only what later steps read with \`select:\` (e.g. ${example}) ` +
      'or fetch less with `paginate: { max_items: N }`',
    { step: stepId, limitBytes: limit },
    false,
  );
}

function formatMiB(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`;
}
