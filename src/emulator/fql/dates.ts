/**
 * Date values in FQL (falcon-api.md §8): RFC 3339 and its partial forms ('2021-11', '2021-11-02T10'),
 * always UTC unless an offset is given, and relative dates like 'now-7d' or 'now-24h'.
 */

const ISO_PATTERN =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(\.\d+)?)?)?)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const RELATIVE_PATTERN = /^now((?:[+-]\d+[smhdwMy])*)$/;
const RELATIVE_STEP = /([+-])(\d+)([smhdwMy])/g;

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  M: 30 * 86_400_000,
  y: 365 * 86_400_000,
};

/** Epoch milliseconds of an FQL date value, or undefined when `text` is not a date. */
export function parseFqlDate(text: string, nowMs: number): number | undefined {
  const relative = RELATIVE_PATTERN.exec(text);
  if (relative) {
    let ms = nowMs;
    for (const step of (relative[1] ?? '').matchAll(RELATIVE_STEP)) {
      const amount = Number(step[2]) * (UNIT_MS[step[3] as string] ?? 0);
      ms += step[1] === '-' ? -amount : amount;
    }
    return ms;
  }
  return parseIsoDate(text);
}

/** Epoch milliseconds of an RFC 3339 (or partial) date; undefined when it is not one. */
export function parseIsoDate(text: string): number | undefined {
  const m = ISO_PATTERN.exec(text);
  if (!m) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone] = m;
  const ms = Date.UTC(
    Number(year),
    month ? Number(month) - 1 : 0,
    day ? Number(day) : 1,
    hour ? Number(hour) : 0,
    minute ? Number(minute) : 0,
    second ? Number(second) : 0,
    fraction ? Math.floor(Number(fraction) * 1000) : 0,
  );
  if (Number.isNaN(ms)) return undefined;
  return ms - zoneOffsetMs(zone);
}

function zoneOffsetMs(zone: string | undefined): number {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
}
