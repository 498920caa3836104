import type { SeededRandom } from './random.ts';

/** What every seed generator shares: the PRNG, the tenant and the time everything is relative to. */
export interface SeedContext {
  rng: SeededRandom;
  /** Customer id (32 hex). */
  cid: string;
  /** "Now" of the seeded world, epoch ms; entity times fall in the 30 days before it. */
  anchorMs: number;
}

const DAY_MS = 86_400_000;

/** RFC 3339 UTC with a Z suffix and whole seconds, e.g. 2026-11-24T10:00:00Z. */
export function toIso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** A random instant up to `days` before the anchor. */
export function pastMs(ctx: SeedContext, days = 30): number {
  return ctx.anchorMs - Math.floor(ctx.rng.next() * days * DAY_MS);
}

export { DAY_MS };
