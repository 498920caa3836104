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

// Seeding 100,000 detections formats about a million timestamps: cache the day prefix and the
// time-of-day suffix and join them, instead of a Date, an ISO string and a replace() per call.
const dayPrefixes = new Map<number, string>();
const timesOfDay: string[] = [];

/** RFC 3339 UTC with a Z suffix and whole seconds, e.g. 2026-11-24T10:00:00Z. */
export function toIso(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const day = Math.floor(seconds / 86_400);
  const second = seconds - day * 86_400;
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * 86_400_000).toISOString().slice(0, 11);
    dayPrefixes.set(day, prefix);
  }
  let time = timesOfDay[second];
  if (time === undefined) {
    time = new Date(second * 1000).toISOString().slice(11, 19) + 'Z';
    timesOfDay[second] = time;
  }
  return prefix + time;
}

/** A random instant up to `days` before the anchor. */
export function pastMs(ctx: SeedContext, days = 30): number {
  return ctx.anchorMs - Math.floor(ctx.rng.next() * days * DAY_MS);
}

export { DAY_MS };
