/**
 * Reading an action's rendered `with` at run time: each reader names the action and the parameter
 * in its error (SOAR_ACTION_BAD_PARAM), since rendered values come from data the checker never saw.
 */
import { parseDurationMs, SoarError } from '../shared/index.ts';
import type { ActionContext } from './types.ts';

type Params = Readonly<Record<string, unknown>>;

export function badParam(action: string, message: string): SoarError {
  return new SoarError('SOAR_ACTION_BAD_PARAM', `${action}: ${message}`, { details: { sent: false } });
}

export function optionalText(action: string, params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw badParam(action, `${name} must be text`);
}

export function requiredText(action: string, params: Params, name: string): string {
  const value = optionalText(action, params, name);
  if (value === undefined || value.trim() === '') throw badParam(action, `${name} is required`);
  return value;
}

/** A string or a list of strings; a comma-separated string is split (mail recipients). */
export function textList(action: string, params: Params, name: string): string[] {
  const value = params[name];
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : String(value).split(',');
  return list
    .map((entry) => {
      if (typeof entry !== 'string') throw badParam(action, `${name} must be text or a list of text`);
      return entry.trim();
    })
    .filter((entry) => entry !== '');
}

export function optionalMap(
  action: string,
  params: Params,
  name: string,
): Record<string, unknown> | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw badParam(action, `${name} must be a mapping`);
  return value as Record<string, unknown>;
}

export function optionalList(action: string, params: Params, name: string): unknown[] | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw badParam(action, `${name} must be a list`);
  return value;
}

export function optionalBoolean(action: string, params: Params, name: string, fallback: boolean): boolean {
  const value = params[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw badParam(action, `${name} must be true or false`);
}

export function optionalInteger(
  action: string,
  params: Params,
  name: string,
  fallback: number,
  range: { min: number; max: number },
): number {
  const value = params[name];
  if (value === undefined || value === null) return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < range.min || n > range.max) {
    throw badParam(action, `${name} must be a whole number from ${range.min} to ${range.max}`);
  }
  return n;
}

/** A duration ("10s", "2m" or milliseconds as a number) within bounds. */
export function optionalDurationMs(
  action: string,
  params: Params,
  name: string,
  fallbackMs: number,
  maxMs: number,
): number {
  const value = params[name];
  if (value === undefined || value === null) return fallbackMs;
  let ms: number;
  try {
    ms = typeof value === 'number' ? value : parseDurationMs(String(value), name);
  } catch {
    throw badParam(action, `${name} must be a duration such as 10s or 2m`);
  }
  if (!(ms > 0) || ms > maxMs) throw badParam(action, `${name} must be above 0 and at most ${maxMs / 1000}s`);
  return ms;
}

/** A link shown as a button (Slack), an OpenUrl action (Teams) or a line (email). */
export interface Link {
  text: string;
  url: string;
}

/**
 * `links: [{text, url}]` (only http(s) URLs, so a message never carries a javascript: link), then
 * the signed links of `approval: {step, approver, choices?}`: one per choice, for that approver.
 */
export function linksOf(
  action: string,
  params: Params,
  context: Pick<ActionContext, 'runId' | 'approvalLinks'>,
): Link[] {
  return [...plainLinks(action, params), ...approvalLinks(action, params, context)];
}

function approvalLinks(
  action: string,
  params: Params,
  context: Pick<ActionContext, 'runId' | 'approvalLinks'>,
): Link[] {
  const approval = optionalMap(action, params, 'approval');
  if (approval === undefined) return [];
  const stepId = approval['step'];
  const approver = approval['approver'];
  if (typeof stepId !== 'string' || stepId === '' || typeof approver !== 'string' || approver === '') {
    throw badParam(action, 'approval needs step (the approval step id) and approver');
  }
  const choices = approval['choices'] === undefined ? undefined : textList(action, approval, 'choices');
  if (!context.approvalLinks) {
    throw badParam(action, 'approval links need TALON_APPROVAL_KEY and TALON_PUBLIC_URL on the workers');
  }
  const urls = context.approvalLinks({
    runId: context.runId,
    stepId,
    approver,
    ...(choices ? { choices } : {}),
  });
  return Object.entries(urls).map(([choice, url]) => ({ text: capitalize(choice), url }));
}

function capitalize(text: string): string {
  return text.length === 0 ? text : `${text[0]?.toUpperCase()}${text.slice(1)}`;
}

function plainLinks(action: string, params: Params): Link[] {
  const list = optionalList(action, params, 'links') ?? [];
  return list.map((entry, i) => {
    const link = entry as { text?: unknown; url?: unknown } | null;
    if (typeof link?.text !== 'string' || typeof link.url !== 'string') {
      throw badParam(action, `links[${i}] must be a mapping with text and url`);
    }
    if (!/^https?:\/\//i.test(link.url)) throw badParam(action, `links[${i}].url must be an http(s) URL`);
    return { text: link.text, url: link.url };
  });
}

/** The plain default message: what ran, so a person can find the run. */
export function defaultMessage(context: { playbook: string; runId: string; stepId: string }): string {
  return `Talon playbook ${context.playbook}, run ${context.runId}, step ${context.stepId}`;
}
