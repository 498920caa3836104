/**
 * Seeded custom IOCs (`api.IndicatorV1`, §6.5). Hash IOCs come from the same pool as the detection
 * behaviors, so "create an IOC for this detection's hash" can hit a duplicate like the real API.
 * `severity_number` (sortable, filterable, never returned) is kept as a non-enumerable property.
 */
import { createHash } from 'node:crypto';
import type { Entity } from './entity-store.ts';
import { type SeedContext, pastMs, toIso } from './seed-context.ts';
import type { HashEntry } from './seed-detections.ts';
import { IOC_SEVERITIES } from './vocabulary.ts';

export type Indicator = Entity & { id: string; type: string; value: string };

/** A stable 64-hex IOC id for (cid, type, value, generation). */
export function indicatorId(cid: string, type: string, value: string, generation: number): string {
  return createHash('sha256').update(`${cid}\u0000${type}\u0000${value}\u0000${generation}`).digest('hex');
}

/** Sets the hidden `severity_number` (1-5) from `severity`. */
export function setSeverityNumber(indicator: Indicator): void {
  const index = IOC_SEVERITIES.indexOf(String(indicator['severity'] ?? '').toLowerCase());
  Object.defineProperty(indicator, 'severity_number', {
    value: index < 0 ? 0 : index + 1,
    enumerable: false,
    writable: true,
    configurable: true,
  });
}

/** Generates `count` IOCs with unique type+value. */
export function seedIndicators(ctx: SeedContext, count: number, hashes: readonly HashEntry[]): Indicator[] {
  const { rng } = ctx;
  const seen = new Set<string>();
  const out: Indicator[] = [];
  let hashIndex = 0;
  for (let i = 0; out.length < count && i < count * 4; i++) {
    const roll = rng.int(0, 99);
    let type: string;
    let value: string;
    if (roll < 60 && hashIndex < hashes.length) {
      type = 'sha256';
      value = (hashes[hashIndex++] as HashEntry).sha256;
    } else if (roll < 70) {
      type = 'md5';
      value = rng.hex(32);
    } else if (roll < 85) {
      type = 'domain';
      value = `bad-${rng.hex(6)}.example.net`;
    } else {
      type = 'ipv4';
      value = `203.0.113.${rng.int(1, 254)}`;
    }
    if (seen.has(`${type}:${value}`)) continue;
    seen.add(`${type}:${value}`);
    out.push(seedIndicator(ctx, type, value));
  }
  return out;
}

function seedIndicator(ctx: SeedContext, type: string, value: string): Indicator {
  const { rng } = ctx;
  const hash = type === 'sha256' || type === 'md5';
  const action = hash
    ? rng.pick(['detect', 'prevent', 'allow', 'no_action'])
    : rng.pick(['detect', 'no_action']);
  const created = pastMs(ctx, 90);
  const expiring = rng.bool(0.2);
  const indicator: Indicator = {
    id: indicatorId(ctx.cid, type, value, 0),
    type,
    value,
    action,
    mobile_action: 'no_action',
    severity: action === 'detect' || action === 'prevent' ? rng.pick(IOC_SEVERITIES) : '',
    platforms: ['windows', 'mac', 'linux'],
    host_groups: [],
    applied_globally: true,
    expiration: expiring ? toIso(ctx.anchorMs + rng.int(1, 60) * 86_400_000) : null,
    expired: false,
    deleted: false,
    description: `Seeded ${type} indicator`,
    source: rng.pick(['threat-intel-feed', 'incident-response', 'talon']),
    tags: rng.bool(0.3) ? ['seed'] : [],
    from_parent: false,
    created_on: toIso(created),
    created_by: 'seed@example.com',
    modified_on: toIso(created),
    modified_by: 'seed@example.com',
    metadata: { filename: '' },
  };
  setSeverityNumber(indicator);
  return indicator;
}
