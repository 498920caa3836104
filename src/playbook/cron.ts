/**
 * Validates cron expressions in the syntax node-cron 4 accepts (src/triggers/cron runs them; node-cron
 * may be imported only there, so the playbook checker carries its own small parser): 5 fields, or 6
 * with seconds first; `*`, numbers, ranges `a-b`, steps `* /n` and `a-b/n`, lists, month and weekday
 * names, `?` in day fields, nicknames (@daily...), and `L`, `L-n`, `nW`, `nL`, `n#m`.
 */

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const SECOND: Field = { name: 'second', min: 0, max: 59 };
const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

const FULL_NAMES = new Set(
  [
    'january',
    'february',
    'march',
    'april',
    'may',
    'june',
    'july',
    'august',
    'september',
    'october',
    'november',
    'december',
    'sunday',
    'monday',
    'tuesday',
    'wednesday',
    'thursday',
    'friday',
    'saturday',
  ].map((full) => `${full.slice(0, 3)}:${full}`),
);

const NICKNAMES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** Returns undefined when `expression` is valid, else a message naming the field and the problem. */
export function cronProblem(expression: string): string | undefined {
  const text = expression.trim();
  if (text.startsWith('@')) {
    return NICKNAMES.has(text.toLowerCase())
      ? undefined
      : `unknown cron nickname "${text}" (use ${[...NICKNAMES].join(', ')})`;
  }
  const parts = text.split(/\s+/).filter((p) => p !== '');
  if (parts.length !== 5 && parts.length !== 6) {
    return `cron expression "${text}" has ${parts.length} field(s); it needs 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)`;
  }
  const fields = parts.length === 6 ? [SECOND, ...FIELDS] : FIELDS;
  for (const [i, part] of parts.entries()) {
    const field = fields[i]!;
    const problem = fieldProblem(part, field);
    if (problem !== undefined) return `cron field ${i + 1} (${field.name}) "${part}": ${problem}`;
  }
  return undefined;
}

function fieldProblem(part: string, field: Field): string | undefined {
  if (part === '?' && (field.name === 'day of month' || field.name === 'day of week')) return undefined;
  for (const token of part.split(',')) {
    if (token === '') return 'empty list item';
    const problem = tokenProblem(token.toLowerCase(), field);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function tokenProblem(token: string, field: Field): string | undefined {
  if (field.name === 'day of month' && /^(l|l-\d{1,2}|\d{1,2}w|lw)$/.test(token)) return undefined;
  if (field.name === 'day of week' && /^([0-7]l|[0-7]#[1-5])$/.test(token)) return undefined;
  const [range, step, extra] = token.split('/');
  if (extra !== undefined) return 'more than one "/"';
  if (step !== undefined && !/^\d+$/.test(step)) return `step "${step}" is not a number`;
  if (step !== undefined && Number(step) === 0) return 'step 0 never fires';
  if (range === '*') return undefined;
  const bounds = (range ?? '').split('-');
  if (bounds.length > 2) return `"${range}" is not a range`;
  for (const bound of bounds) {
    const value = cronValue(bound, field);
    if (typeof value === 'string') return value;
  }
  return undefined;
}

function cronValue(text: string, field: Field): number | string {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n < field.min || n > field.max ? `${n} is out of range ${field.min}-${field.max}` : n;
  }
  // node-cron accepts short and full names (mon, monday; jan, january).
  const index = field.names?.findIndex((name) => text === name || FULL_NAMES.has(`${name}:${text}`)) ?? -1;
  if (index >= 0) return field.name === 'month' ? index + 1 : index;
  return field.names
    ? `"${text}" is not a number or a name (${field.names.join(', ')})`
    : `"${text}" is not a number`;
}
