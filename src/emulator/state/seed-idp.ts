/** Seeded Identity Protection sensors (`internal.SensorStatus`, §6.9) and policy rules (§5.5, §6.10). */
import type { Entity } from './entity-store.ts';
import { type SeedContext, pastMs, toIso } from './seed-context.ts';
import type { Device } from './seed-devices.ts';
import { IDP_RULE_ACTIONS, IDP_RULE_TRIGGERS } from './vocabulary.ts';

export type IdpSensor = Entity & { device_id: string };
export type PolicyRule = Entity & { id: string; name: string; enabled: boolean; simulationMode: boolean };

/** Sensors on domain controllers first, then other hosts, up to `count`. */
export function seedIdpSensors(ctx: SeedContext, count: number, devices: readonly Device[]): IdpSensor[] {
  const { rng } = ctx;
  const ordered = [...devices].sort(
    (a, b) =>
      Number(b['product_type_desc'] === 'Domain Controller') -
      Number(a['product_type_desc'] === 'Domain Controller'),
  );
  return ordered.slice(0, count).map((device) => ({
    device_id: device.device_id,
    cid: ctx.cid,
    hostname: device.hostname,
    machine_domain: device['machine_domain'],
    local_ip: device['local_ip'],
    agent_version: device['agent_version'],
    os_version: device['os_version'],
    heartbeat_time: Math.floor((ctx.anchorMs - rng.int(0, 600) * 1000) / 1000),
    status: rng.pick(['PROTECTED', 'PROTECTED', 'PROTECTED', 'DISABLED', 'INACTIVE']),
    status_causes: [],
    idp_policy_id: 'default',
    idp_policy_name: 'Default Policy',
    new_enforcement_mode: false,
    directory_auditing: 'ENABLED',
    group_policy_object: 'ENABLED',
    kerberos_config: 'ENABLED',
    ldap_config: 'ENABLED',
    ldaps_config: rng.pick(['ENABLED', 'DISABLED']),
    ntlm_config: 'ENABLED',
    rdp_to_dc_config: 'ENABLED',
    smb_to_dc_config: 'ENABLED',
    ti_enabled: rng.pick(['ENABLED', 'DISABLED']),
  }));
}

/** `count` policy rules with camelCase keys like the create body. */
export function seedPolicyRules(ctx: SeedContext, count: number): PolicyRule[] {
  const { rng } = ctx;
  return Array.from({ length: count }, (_, i) => {
    const created = toIso(pastMs(ctx, 120));
    return {
      id: rng.uuid(),
      name: `Rule ${i + 1}: ${rng.pick(['Block legacy auth', 'MFA for admins', 'Watch service accounts', 'SSO for contractors'])}`,
      action: rng.pick(IDP_RULE_ACTIONS),
      trigger: rng.pick(IDP_RULE_TRIGGERS),
      enabled: rng.bool(0.7),
      simulationMode: rng.bool(0.3),
      activity: { accessType: { include: ['AUTHENTICATION'] } },
      sourceUser: { groupMembership: { include: [rng.hex(32)] } },
      createdOn: created,
      createdBy: 'seed@example.com',
      modifiedOn: created,
      modifiedBy: 'seed@example.com',
    };
  });
}
