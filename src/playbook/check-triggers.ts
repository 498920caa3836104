// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
/**
 * Semantic checks of triggers and inputs: cron syntax and time zones, unique webhook paths, poll
 * triggers on read operations that return ids, and input defaults that match their declared type.
 */
import {
  findOperation,
  type OperationSpec,
  qualifiedName,
  suggestOperations,
} from '../falcon/operations/index.ts';
import { parseDurationMs } from '../shared/index.ts';
import { checkExpressionField } from './check-expressions.ts';
import { cronProblem } from './cron.ts';
import { type Finding, finding, pointerToken } from './findings.ts';
import { KNOWN_STREAM_EVENT_TYPES } from './schema.ts';
import { didYouMean } from './suggest.ts';
import { describeValue } from './validate-schema.ts';

type Doc = Record<string, unknown>;

function isMap(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True when `zone` is an IANA time zone this Node.js knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Checks the triggers list. */
export function checkTriggers(triggers: readonly unknown[]): Finding[] {
  const out: Finding[] = [];
  const paths = new Map<string, number>();
  triggers.forEach((trigger, index) => {
    if (!isMap(trigger)) return;
    const at = `/triggers/${index}`;
    if (typeof trigger.cron === 'string') {
      const problem = cronProblem(trigger.cron);
      if (problem) out.push(finding('SOAR_PLAYBOOK_CRON', `${at}/cron`, problem));
    }
    if (typeof trigger.timezone === 'string' && !isTimeZone(trigger.timezone)) {
      out.push(
        finding('SOAR_PLAYBOOK_TIMEZONE', `${at}/timezone`, `unknown time zone "${trigger.timezone}"`),
      );
    }
    const webhook = trigger.webhook;
    if (isMap(webhook) && typeof webhook.path === 'string') {
      const first = paths.get(webhook.path);
      if (first !== undefined) {
        const message = `webhook path "${webhook.path}" is already used by trigger ${first + 1}`;
        out.push(finding('SOAR_PLAYBOOK_DUPLICATE_WEBHOOK', `${at}/webhook/path`, message));
      } else {
        paths.set(webhook.path, index);
      }
    }
    if (isMap(trigger.poll)) out.push(...checkPoll(trigger.poll, `${at}/poll`));
    if (isMap(trigger.stream)) out.push(...checkStream(trigger.stream, `${at}/stream`));
  });
  return out;
}

/** Shortest and longest poll interval: setInterval fires at once above 2^31-1 ms. */
export const POLL_EVERY_MIN_MS = 1000;
export const POLL_EVERY_MAX_MS = 2 ** 31 - 1;

function checkEvery(every: unknown, at: string): Finding[] {
  if (typeof every !== 'string') return [];
  let ms: number;
  try {
    ms = parseDurationMs(every, 'every');
  } catch {
    return [];
  }
  if (ms >= POLL_EVERY_MIN_MS && ms <= POLL_EVERY_MAX_MS) return [];
  const message = `every "${every}" is ${ms < POLL_EVERY_MIN_MS ? 'shorter than 1s' : 'longer than 24d (2^31-1 ms, the longest timer)'}`;
  return [finding('SOAR_PLAYBOOK_POLL_INTERVAL', at, message)];
}

const NO_NAMES: ReadonlySet<string> = new Set();

function checkStream(stream: Doc, at: string): Finding[] {
  const out: Finding[] = [];
  const known: readonly string[] = KNOWN_STREAM_EVENT_TYPES;
  if (Array.isArray(stream.events)) {
    stream.events.forEach((type, i) => {
      if (typeof type !== 'string' || known.includes(type)) return;
      out.push(
        finding(
          'SOAR_PLAYBOOK_STREAM_TRIGGER',
          `${at}/events/${i}`,
          `"${type}" is not an event type Talon knows${didYouMean(type, known)}; it is listened to as written`,
          'value',
          { severity: 'warning' },
        ),
      );
    });
  }
  if (typeof stream.if === 'string') {
    const scope = { stepOrder: [], current: 0, inputs: NO_NAMES, env: NO_NAMES, item: false };
    out.push(...checkExpressionField(stream.if, `${at}/if`, scope).findings);
  }
  if (stream.mode !== 'batch') {
    for (const key of ['batch_size', 'batch_window'] as const) {
      if (stream[key] !== undefined)
        out.push(finding('SOAR_PLAYBOOK_STREAM_TRIGGER', `${at}/${key}`, `${key} needs mode: batch`, 'key'));
    }
  }
  if (typeof stream.batch_window === 'string') {
    try {
      const ms = parseDurationMs(stream.batch_window, 'batch_window');
      if (ms < 10 || ms > 3_600_000)
        out.push(
          finding('SOAR_PLAYBOOK_STREAM_TRIGGER', `${at}/batch_window`, 'batch_window must be 10ms to 1h'),
        );
    } catch {
      // the schema's pattern already reports it
    }
  }
  return out;
}

function checkPoll(poll: Doc, at: string): Finding[] {
  const out: Finding[] = checkEvery(poll.every, `${at}/every`);
  if (typeof poll.uses === 'string') {
    const op = findOperation(poll.uses);
    if (!op) {
      const ops = suggestOperations(poll.uses, 1);
      const hint = ops.length > 0 ? ` (did you mean "${ops[0]}"?)` : '';
      out.push(
        finding('SOAR_PLAYBOOK_UNKNOWN_OPERATION', `${at}/uses`, `unknown operation "${poll.uses}"${hint}`),
      );
    } else if (op.kind !== 'read' || op.resources !== 'ids' || op.pagination === 'none') {
      const message = `${qualifiedName(op)} cannot be polled: a poll needs a paging query operation that returns ids`;
      out.push(finding('SOAR_PLAYBOOK_POLL_OPERATION', `${at}/uses`, message));
    } else if (op.deprecated?.removed) {
      out.push(
        finding(
          'SOAR_PLAYBOOK_UNKNOWN_OPERATION',
          `${at}/uses`,
          `"${poll.uses}" was removed from the Falcon API`,
        ),
      );
    } else if (isMap(poll.with)) {
      out.push(...unknownPollParams(op, poll.with, at));
    }
  }
  if (isMap(poll.with) && poll.filter !== undefined && poll.with.filter !== undefined) {
    out.push(
      finding('SOAR_PLAYBOOK_SCHEMA', `${at}/filter`, 'give the filter once: either filter or with.filter'),
    );
  }
  const texts = JSON.stringify([poll.with ?? null, poll.filter ?? null]);
  if (texts.includes('${{')) {
    const where =
      typeof poll.filter === 'string' && poll.filter.includes('${{') ? `${at}/filter` : `${at}/with`;
    out.push(
      finding(
        'SOAR_EXPR_SYNTAX',
        where,
        'poll parameters are sent as written; ${{ }} is not evaluated in triggers',
      ),
    );
  }
  return out;
}

function unknownPollParams(op: OperationSpec, given: Doc, at: string): Finding[] {
  const names = op.params.map((p) => p.name);
  return Object.keys(given)
    .filter((key) => !names.includes(key) && key !== 'parameters')
    .map((key) => {
      const message = `${qualifiedName(op)} takes no parameter "${key}"${didYouMean(key, names)}`;
      return finding('SOAR_PLAYBOOK_UNKNOWN_PARAM', `${at}/with/${pointerToken(key)}`, message, 'key');
    });
}

/** Checks input defaults and enums against the declared types. */
export function checkInputs(inputs: Doc): Finding[] {
  const out: Finding[] = [];
  for (const [name, spec] of Object.entries(inputs)) {
    if (!isMap(spec) || typeof spec.type !== 'string') continue;
    const at = `/inputs/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const type = spec.type;
    if (Array.isArray(spec.enum)) {
      spec.enum.forEach((value, i) => {
        if (!matchesInputType(type, value)) {
          out.push(
            finding(
              'SOAR_PLAYBOOK_INPUT_DEFAULT',
              `${at}/enum/${i}`,
              `enum value ${describeValue(value)} is not of type ${type}`,
            ),
          );
        }
      });
    }
    if (!('default' in spec)) continue;
    if (!matchesInputType(type, spec.default)) {
      out.push(
        finding(
          'SOAR_PLAYBOOK_INPUT_DEFAULT',
          `${at}/default`,
          `default ${describeValue(spec.default)} is not of type ${type}`,
        ),
      );
    } else if (
      Array.isArray(spec.enum) &&
      !spec.enum.some((v) => JSON.stringify(v) === JSON.stringify(spec.default))
    ) {
      out.push(
        finding(
          'SOAR_PLAYBOOK_INPUT_DEFAULT',
          `${at}/default`,
          `default ${describeValue(spec.default)} is not one of the enum values`,
        ),
      );
    }
  }
  return out;
}

/** True when `value` has the JSON type an input declares. */
export function matchesInputType(type: string, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isMap(value);
    default:
      return false;
  }
}
