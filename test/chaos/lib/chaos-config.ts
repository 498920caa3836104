/**
 * Sizes and randomness of the chaos suite. `npm test` runs it small (the chaos files add well under a
 * minute); `npm run test:chaos` sets TALON_CHAOS_RUNS=50 for the full size.
 *
 * Every random choice (kill moments, victims, fuzzed bodies, hash salts) comes from one seed, printed
 * by each file that uses it; TALON_CHAOS_SEED=<n> replays a failing run's choices.
 */
import { SeededRandom } from '../../../src/emulator/state/random.ts';

const raw = Number(process.env['TALON_CHAOS_RUNS'] ?? '');

/** Runs per chaos scenario. */
export const CHAOS_RUNS = Number.isInteger(raw) && raw > 0 ? raw : 4;

/** True when running the full suite (more fuzz cases, more faults). */
export const CHAOS_FULL = CHAOS_RUNS >= 20;

const rawSeed = process.env['TALON_CHAOS_SEED'];
/** The seed of this run: TALON_CHAOS_SEED when set, otherwise a fresh one. */
export const CHAOS_SEED =
  rawSeed !== undefined && /^\d+$/.test(rawSeed)
    ? Number(rawSeed) % 2 ** 31
    : Math.floor(Math.random() * 2 ** 31);

/**
 * A random stream for one purpose (`label`), derived from the run's seed, and the seed printed so the
 * run can be replayed. Different labels give independent streams, so adding a draw in one place does
 * not shift every other choice.
 */
export function chaosRandom(label: string): SeededRandom {
  printChaosSeed(label);
  let hash = CHAOS_SEED;
  for (const char of label) hash = (Math.imul(hash ^ char.charCodeAt(0), 16_777_619) >>> 0) % 2 ** 31;
  return new SeededRandom(hash);
}

/** Prints the run's seed for one use of it (fast-check takes CHAOS_SEED directly). */
export function printChaosSeed(label: string): void {
  console.info(`chaos seed ${CHAOS_SEED} (${label}); replay with TALON_CHAOS_SEED=${CHAOS_SEED}`);
}
