/** Seeded endpoints (`DetectsDeviceDetailIndexed`, falcon-api.md §6.1): what detections and incidents point at. */
import type { Entity } from './entity-store.ts';
import { DAY_MS, type SeedContext, pastMs, toIso } from './seed-context.ts';
import { DOMAINS, FIRST_NAMES, SITES } from './vocabulary.ts';

export type Device = Entity & { device_id: string; hostname: string; platform_name: string };

const PLATFORMS = [
  {
    name: 'Windows',
    id: '0',
    os: 'Windows 11',
    product: '1',
    desc: 'Workstation',
    maker: 'Dell Inc.',
    model: 'Latitude 7440',
  },
  {
    name: 'Windows',
    id: '0',
    os: 'Windows Server 2022',
    product: '3',
    desc: 'Server',
    maker: 'VMware, Inc.',
    model: 'VMware7,1',
  },
  {
    name: 'Windows',
    id: '0',
    os: 'Windows Server 2019',
    product: '2',
    desc: 'Domain Controller',
    maker: 'HP',
    model: 'ProLiant DL380',
  },
  {
    name: 'Mac',
    id: '1',
    os: 'Sonoma (14)',
    product: '1',
    desc: 'Workstation',
    maker: 'Apple Inc.',
    model: 'MacBookPro18,3',
  },
  {
    name: 'Linux',
    id: '3',
    os: 'Ubuntu 22.04',
    product: '3',
    desc: 'Server',
    maker: 'Amazon EC2',
    model: 't3.large',
  },
] as const;

/** Generates `count` devices with unique 32-hex ids and hostnames. */
export function seedDevices(ctx: SeedContext, count: number): Device[] {
  const { rng } = ctx;
  const devices: Device[] = [];
  for (let i = 0; i < count; i++) {
    const platform = rng.pick(PLATFORMS);
    const prefix =
      platform.desc === 'Workstation'
        ? platform.name === 'Mac'
          ? 'mac'
          : 'wks'
        : platform.desc === 'Domain Controller'
          ? 'dc'
          : 'srv';
    const firstSeen = pastMs(ctx, 400);
    const domain = rng.pick(DOMAINS);
    const user = rng.pick(FIRST_NAMES);
    devices.push({
      device_id: rng.hex(32),
      cid: ctx.cid,
      agent_load_flags: '0',
      agent_local_time: toIso(ctx.anchorMs - rng.int(0, 3600) * 1000),
      agent_version: `7.${rng.int(10, 22)}.${rng.int(10000, 19999)}.0`,
      bios_manufacturer: platform.maker,
      bios_version: `${rng.int(1, 3)}.${rng.int(0, 30)}.${rng.int(0, 9)}`,
      config_id_base: '65994763',
      config_id_build: String(rng.int(10000, 19999)),
      config_id_platform: platform.id === '0' ? '3' : platform.id === '1' ? '4' : '8',
      external_ip: `198.51.100.${rng.int(1, 254)}`,
      local_ip: `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
      mac_address: Array.from({ length: 6 }, () => rng.hex(2)).join('-'),
      first_seen: toIso(firstSeen),
      last_seen: toIso(ctx.anchorMs - rng.int(0, (2 * DAY_MS) / 1000) * 1000),
      first_login_timestamp: toIso(firstSeen + 3_600_000),
      first_login_user: user,
      last_login_timestamp: toIso(ctx.anchorMs - rng.int(0, 86_400) * 1000),
      last_login_user: user,
      groups: [],
      hostname: `${prefix}-${String(i + 1).padStart(4, '0')}`,
      machine_domain: domain,
      major_version: '10',
      minor_version: '0',
      modified_timestamp: toIso(ctx.anchorMs - rng.int(0, 86_400) * 1000),
      os_version: platform.os,
      ou: [platform.desc === 'Domain Controller' ? 'Domain Controllers' : 'Computers'],
      platform_id: platform.id,
      platform_name: platform.name,
      product_type: platform.product,
      product_type_desc: platform.desc,
      release_group: '',
      site_name: rng.pick(SITES),
      status: 'normal',
      system_manufacturer: platform.maker,
      system_product_name: platform.model,
      tags: [],
    });
  }
  return devices;
}
