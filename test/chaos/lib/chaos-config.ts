/**
 * Sizes of the chaos suite. `npm test` runs it small (the chaos files add well under a minute);
 * `npm run test:chaos` sets TALON_CHAOS_RUNS=50 for the full size.
 */
const raw = Number(process.env['TALON_CHAOS_RUNS'] ?? '');

/** Runs per chaos scenario. */
export const CHAOS_RUNS = Number.isInteger(raw) && raw > 0 ? raw : 4;

/** True when running the full suite (more fuzz cases, more faults). */
export const CHAOS_FULL = CHAOS_RUNS >= 20;
