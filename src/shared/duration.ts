import { SoarError } from './errors.ts';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a human duration ("250ms", "30s", "5m", "1h", "2d", or a bare number of milliseconds) into
 * milliseconds. Human strings exist only at the edges (YAML, env); code works in `Ms` numbers.
 * @throws SoarError SOAR_CONFIG_INVALID when the text is not a duration.
 */
export function parseDurationMs(text: string | number, where = 'duration'): number {
  if (typeof text === 'number' && Number.isFinite(text) && text >= 0) return text;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(String(text));
  if (!match) {
    throw new SoarError(
      'SOAR_CONFIG_INVALID',
      `${where}: "${String(text)}" is not a duration (use 500ms, 30s, 5m, 1h or 2d)`,
    );
  }
  return Math.round(Number(match[1]) * (UNIT_MS[match[2] ?? 'ms'] ?? 1));
}
