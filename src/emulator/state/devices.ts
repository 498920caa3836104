/**
 * The device world: what the Hosts routes serve and what response actions change. Seeded devices
 * (seed-devices.ts) are given host groups, grouping tags and an online state here, from a random
 * stream of their own, so adding this world does not shift any other seeded entity. The mutable
 * host state (online, hidden, containment in progress) lives in HostStates; a device's wire fields
 * (`status`, `tags`, `host_hidden_status`, ...) are kept in step with it so FQL sees them.
 */
import type { EntityStore } from './entity-store.ts';
import { SeededRandom } from './random.ts';
import { type SeedContext, toIso } from './seed-context.ts';
import type { Device } from './seed-devices.ts';

export type OnlineState = 'online' | 'offline' | 'unknown';

/** One host group of the seeded tenant (the `groups` field of a device holds these ids). */
export interface HostGroup {
  id: string;
  name: string;
}

/** Read-only lookups other emulator families (Real Time Response) use. */
export interface DeviceLookup {
  /** The device record, or undefined for an unknown id (hidden devices are still found). */
  get(id: string): Device | undefined;
  onlineState(id: string): OnlineState;
  isOnline(id: string): boolean;
  isHidden(id: string): boolean;
}

// A different stream than the main seed so enriching devices leaves every other entity unchanged.
const DEVICE_STREAM_SALT = 0x0d3e71ce;
const TAG_PREFIX = 'FalconGroupingTags/';
const EXTRA_TAGS = ['finance', 'vip', 'lab', 'pci'];

/** Host groups of the seeded tenant, and gives each device groups, tags and an online state. */
export function enrichDevices(ctx: SeedContext, seed: number, devices: readonly Device[]) {
  const rng = new SeededRandom((seed ^ DEVICE_STREAM_SALT) >>> 0);
  const groups = {
    dc: { id: rng.hex(32), name: 'Domain Controllers' },
    servers: { id: rng.hex(32), name: 'Servers' },
    workstations: { id: rng.hex(32), name: 'Workstations' },
    critical: { id: rng.hex(32), name: 'Critical Assets' },
  };
  const online = new Map<string, OnlineState>();
  for (const device of devices) {
    const desc = String(device['product_type_desc']);
    const role = desc === 'Domain Controller' ? 'dc' : desc === 'Server' ? 'servers' : 'workstations';
    const deviceGroups = [groups[role].id];
    const tags = [
      `${TAG_PREFIX}${role === 'dc' ? 'domain-controller' : role === 'servers' ? 'server' : 'workstation'}`,
    ];
    if (role === 'dc' || rng.bool(0.1)) deviceGroups.push(groups.critical.id);
    if (rng.bool(0.3)) tags.push(`${TAG_PREFIX}${rng.pick(EXTRA_TAGS)}`);
    device['groups'] = deviceGroups;
    device['tags'] = tags;
    device['host_hidden_status'] = 'visible';
    device['detection_suppression_status'] = 'unsuppressed';
    // Most hosts are online; domain controllers always (they are what a protected filter names).
    const state: OnlineState =
      role === 'dc' || rng.bool(0.8) ? 'online' : rng.bool(0.9) ? 'offline' : 'unknown';
    online.set(device.device_id, state);
    const lastSeenAgoMs = state === 'online' ? rng.int(5, 300) * 1000 : rng.int(2, 72) * 3_600_000;
    device['last_seen'] = toIso(ctx.anchorMs - lastSeenAgoMs);
  }
  return { groups: Object.values(groups), online };
}

/** A containment change in flight: the status it reaches and when. */
interface PendingTransition {
  to: 'contained' | 'normal';
  dueMs: number;
}

/** Outcome of a host action for one id. */
export type HostActionOutcome = 'changed' | 'unchanged';

/** Mutable host state: online, hidden, containment in progress. */
export class HostStates implements DeviceLookup {
  /** How long `containment_pending` (and `lift_containment_pending`) lasts. */
  containmentDelayMs = 2000;
  groups: HostGroup[] = [];
  private online = new Map<string, OnlineState>();
  private hidden = new Set<string>();
  private pending = new Map<string, PendingTransition>();
  private readonly devices: EntityStore<Device>;

  constructor(devices: EntityStore<Device>) {
    this.devices = devices;
  }

  /** Replaces the state after a (re)seed. */
  reset(groups: HostGroup[], online: Map<string, OnlineState>): void {
    this.groups = groups;
    this.online = online;
    this.hidden = new Set();
    this.pending = new Map();
  }

  get(id: string): Device | undefined {
    return this.devices.get(id);
  }

  onlineState(id: string): OnlineState {
    return this.online.get(id) ?? 'unknown';
  }

  isOnline(id: string): boolean {
    return this.onlineState(id) === 'online';
  }

  isHidden(id: string): boolean {
    return this.hidden.has(id);
  }

  /** Sets a host online or offline (admin and tests; RTR offline queueing needs offline hosts). */
  setOnline(id: string, state: OnlineState): void {
    this.online.set(id, state);
  }

  /** Finishes every containment change whose delay has passed; call before reading devices. */
  settle(nowMs: number): void {
    let changed = false;
    for (const [id, transition] of this.pending) {
      if (transition.dueMs > nowMs) continue;
      const device = this.devices.get(id);
      if (device) {
        device['status'] = transition.to;
        device['modified_timestamp'] = toIso(transition.dueMs);
      }
      this.pending.delete(id);
      changed = true;
    }
    if (changed) this.devices.touch();
  }

  /** contain: normal -> containment_pending (-> contained after the delay). */
  contain(device: Device, nowMs: number): HostActionOutcome {
    const status = device['status'];
    if (status === 'contained' || status === 'containment_pending') return 'unchanged';
    return this.startTransition(device, 'containment_pending', 'contained', nowMs);
  }

  /** lift_containment: contained -> lift_containment_pending (-> normal after the delay). */
  liftContainment(device: Device, nowMs: number): HostActionOutcome {
    const status = device['status'];
    if (status === 'normal' || status === 'lift_containment_pending') return 'unchanged';
    return this.startTransition(device, 'lift_containment_pending', 'normal', nowMs);
  }

  /** hide_host / unhide_host: hidden hosts leave the device queries (QueryHiddenDevices lists them). */
  setHidden(device: Device, hidden: boolean, nowMs: number): HostActionOutcome {
    if (this.hidden.has(device.device_id) === hidden) return 'unchanged';
    if (hidden) this.hidden.add(device.device_id);
    else this.hidden.delete(device.device_id);
    device['host_hidden_status'] = hidden ? 'hidden' : 'visible';
    device['modified_timestamp'] = toIso(nowMs);
    return 'changed';
  }

  /** detection_suppress / detection_unsuppress. */
  setSuppressed(device: Device, suppressed: boolean, nowMs: number): HostActionOutcome {
    const value = suppressed ? 'suppressed' : 'unsuppressed';
    if (device['detection_suppression_status'] === value) return 'unchanged';
    device['detection_suppression_status'] = value;
    device['modified_timestamp'] = toIso(nowMs);
    return 'changed';
  }

  private startTransition(
    device: Device,
    pendingStatus: string,
    to: PendingTransition['to'],
    nowMs: number,
  ): HostActionOutcome {
    device['status'] = pendingStatus;
    device['modified_timestamp'] = toIso(nowMs);
    if (this.containmentDelayMs <= 0) device['status'] = to;
    else this.pending.set(device.device_id, { to, dueMs: nowMs + this.containmentDelayMs });
    return 'changed';
  }
}
