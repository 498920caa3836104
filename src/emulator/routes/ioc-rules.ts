/**
 * IOC validation rules observed against the live API (falcon-api.md §5.3, from the terraform
 * provider's acceptance-tested docs), applied to create, update and bulk update alike:
 * host_groups or applied_globally; hash types only on desktop platforms; all_subdomains only on
 * mobile; action required with a desktop platform, mobile_action with a mobile one; domain/IP types
 * only detect or no_action; severity required for detect/prevent and forbidden otherwise;
 * expiration in the future. The server fills the non-applicable action with no_action.
 */
import { isIP } from 'node:net';
import { badRequest } from '../http/reply-error.ts';
import { IOC_ACTIONS, IOC_PLATFORMS, IOC_SEVERITIES, IOC_TYPES } from '../state/vocabulary.ts';

const TYPES = [...IOC_TYPES, 'all_subdomains'];
const DESKTOP = new Set(['windows', 'mac', 'linux']);
const MOBILE = new Set(['ios', 'android']);
const MOBILE_ACTIONS = ['no_action', 'allow', 'detect', 'prevent', 'prevent_no_ui'];
const SEVERE_ACTIONS = new Set(['detect', 'prevent']);

/** Fields an indicator may carry on create; update adds `id`. */
export const INDICATOR_FIELDS = new Set([
  'type',
  'value',
  'action',
  'mobile_action',
  'severity',
  'platforms',
  'host_groups',
  'applied_globally',
  'expiration',
  'description',
  'source',
  'tags',
  'metadata',
  'filename',
]);

/** Checks the value format of a type (also used by the device-count routes, §4.3.8). */
export function checkTypeValue(type: string, value: string, where: string): void {
  if (!TYPES.includes(type))
    throw badRequest(`${where}.type must be one of ${TYPES.join(', ')} (got "${type}")`);
  const ok =
    type === 'sha256'
      ? /^[0-9a-fA-F]{64}$/.test(value)
      : type === 'md5'
        ? /^[0-9a-fA-F]{32}$/.test(value)
        : type === 'ipv4'
          ? isIP(value) === 4
          : type === 'ipv6'
            ? isIP(value) === 6
            : value.length >= 1 && value.length <= 200 && /^[A-Za-z0-9*._-]+$/.test(value);
  if (!ok) throw badRequest(`${where}.value "${value.slice(0, 80)}" is not a valid ${type}`);
}

/** Validates a full indicator (after merging an update) and normalises it in place. */
export function checkIndicator(indicator: Record<string, unknown>, where: string, nowMs: number): void {
  for (const key of Object.keys(indicator)) {
    if (!INDICATOR_FIELDS.has(key) && key !== 'id') throw badRequest(`unknown field "${key}" in ${where}`);
  }
  const type = stringField(indicator, 'type', where, true);
  const value = stringField(indicator, 'value', where, true);
  checkTypeValue(type, value, where);
  const platforms = stringList(indicator, 'platforms', where);
  if (platforms.length === 0)
    throw badRequest(`${where}.platforms must list at least one of ${IOC_PLATFORMS.join(', ')}`);
  for (const p of platforms)
    if (!IOC_PLATFORMS.includes(p)) throw badRequest(`${where}.platforms: unknown platform "${p}"`);
  const hostGroups = stringList(indicator, 'host_groups', where);
  if (hostGroups.length === 0 && indicator['applied_globally'] !== true) {
    throw badRequest(`${where} needs host_groups or applied_globally: true`);
  }
  const desktop = platforms.some((p) => DESKTOP.has(p));
  const mobile = platforms.some((p) => MOBILE.has(p));
  if ((type === 'sha256' || type === 'md5') && mobile)
    throw badRequest(`${where}: ${type} indicators only support windows, mac and linux`);
  if (type === 'all_subdomains' && desktop)
    throw badRequest(`${where}: all_subdomains indicators only support ios and android`);
  const action = checkAction(indicator, 'action', desktop, IOC_ACTIONS, where);
  const mobileAction = checkAction(indicator, 'mobile_action', mobile, MOBILE_ACTIONS, where);
  if (['domain', 'ipv4', 'ipv6'].includes(type) && desktop && action !== 'detect' && action !== 'no_action') {
    throw badRequest(
      `${where}: ${type} indicators only allow the action detect or no_action (got "${action}")`,
    );
  }
  checkSeverity(indicator, SEVERE_ACTIONS.has(action) || SEVERE_ACTIONS.has(mobileAction), where);
  checkExpiration(indicator, where, nowMs);
  if (typeof indicator['source'] === 'string' && indicator['source'].length > 200) {
    throw badRequest(`${where}.source must be at most 200 characters`);
  }
  indicator['platforms'] = platforms;
  indicator['host_groups'] = hostGroups;
}

function checkAction(
  indicator: Record<string, unknown>,
  field: 'action' | 'mobile_action',
  needed: boolean,
  allowed: readonly string[],
  where: string,
): string {
  const raw = indicator[field];
  if (raw === undefined || raw === null || raw === '') {
    if (needed) throw badRequest(`${where}.${field} is required for the platforms given`);
    indicator[field] = 'no_action';
    return 'no_action';
  }
  if (typeof raw !== 'string' || !allowed.includes(raw.toLowerCase())) {
    throw badRequest(`${where}.${field} must be one of ${allowed.join(', ')} (got ${JSON.stringify(raw)})`);
  }
  indicator[field] = raw.toLowerCase();
  return raw.toLowerCase();
}

function checkSeverity(indicator: Record<string, unknown>, required: boolean, where: string): void {
  const raw = indicator['severity'];
  const present = raw !== undefined && raw !== null && raw !== '';
  if (required && !present)
    throw badRequest(`${where}.severity is required when the action is detect or prevent`);
  if (!required && present)
    throw badRequest(`${where}.severity must not be set unless the action is detect or prevent`);
  if (!present) {
    indicator['severity'] = '';
    return;
  }
  // The falconpy sample sends "LOW": input is case-insensitive, lower case is canonical (§7).
  if (typeof raw !== 'string' || !IOC_SEVERITIES.includes(raw.toLowerCase())) {
    throw badRequest(
      `${where}.severity must be one of ${IOC_SEVERITIES.join(', ')} (got ${JSON.stringify(raw)})`,
    );
  }
  indicator['severity'] = raw.toLowerCase();
}

function checkExpiration(indicator: Record<string, unknown>, where: string, nowMs: number): void {
  const raw = indicator['expiration'];
  if (raw === undefined || raw === null || raw === '') {
    indicator['expiration'] = null;
    return;
  }
  const ms = typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(ms)) throw badRequest(`${where}.expiration must be an RFC 3339 time`);
  if (ms <= nowMs) throw badRequest(`${where}.expiration must be in the future`);
}

function stringField(
  indicator: Record<string, unknown>,
  field: string,
  where: string,
  required: boolean,
): string {
  const value = indicator[field];
  if (typeof value === 'string' && value !== '') return value;
  if (required || value !== undefined) throw badRequest(`${where}.${field} is required and must be a string`);
  return '';
}

function stringList(indicator: Record<string, unknown>, field: string, where: string): string[] {
  const value = indicator[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw badRequest(`${where}.${field} must be an array of strings`);
  }
  return (value as string[]).map((v) => v.toLowerCase());
}
