import { writeFileSync } from 'node:fs';

/** Prints a benchmark's figures and hands them to bench/run-all.ts (BENCH_RESULT_FILE) for results.json. */
export function reportBench(name: string, figures: Record<string, unknown>): void {
  console.log(`${name}:`);
  for (const [key, value] of Object.entries(figures))
    console.log(`  ${key.padEnd(32)} ${formatValue(value)}`);
  const file = process.env['BENCH_RESULT_FILE'];
  if (file) writeFileSync(file, JSON.stringify(figures, null, 2));
}

function formatValue(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(3);
  return typeof value === 'string' ? value : JSON.stringify(value);
}
