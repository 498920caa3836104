/**
 * Case Management administration records (falconjs ApiTemplateV1, ApiSLAV1, ApiNotificationGroupV1/V2,
 * ApiFieldV1, ApiAccessTagV1): templates with the fields they define, SLAs whose escalation steps
 * name notification groups, notification groups, and access tags. A small deterministic world is
 * seeded from its own random stream so adding it changed no other seeded entity.
 */
import { EntityStore, type Entity } from './entity-store.ts';
import { SeededRandom } from './random.ts';
import { toIso } from './seed-context.ts';

export type AdminRecord = Entity & { id: string; name: string };
export type TemplateRecord = AdminRecord & { sla_id?: string; fields: FieldRecord[] };
export type FieldRecord = Entity & { id: string; name: string; data_type: string };

/** The actor written into created_by / updated_by (falconjs ApiActorV1; its fields are [inferred]). */
export interface Actor {
  id: string;
  type: string;
}

const SEED_SALT = 0x5ca5e;

export class CaseAdminState {
  readonly templates = new EntityStore<TemplateRecord>({ name: 'templates', idOf: (t) => t.id });
  readonly slas = new EntityStore<AdminRecord>({ name: 'slas', idOf: (s) => s.id });
  /** Both API versions read and write the same groups; v2 channels may carry `params`. */
  readonly notificationGroups = new EntityStore<AdminRecord>({
    name: 'notification-groups',
    idOf: (g) => g.id,
  });
  readonly accessTags = new EntityStore<AdminRecord>({ name: 'access-tags', idOf: (t) => t.id });
  private fieldView: EntityStore<FieldRecord> | undefined;
  private fieldViewVersion = -1;
  private rng = new SeededRandom(SEED_SALT);

  /** Replaces every record with the seeded world of `seed`. */
  seed(seed: number, cid: string, anchorMs: number): void {
    for (const store of [this.templates, this.slas, this.notificationGroups, this.accessTags]) store.clear();
    this.rng = new SeededRandom(seed ^ SEED_SALT);
    const system: Actor = { id: 'system', type: 'system' };
    const stamp = (daysAgo: number) => toIso(anchorMs - daysAgo * 86_400_000);
    const meta = (daysAgo: number) => ({
      cid,
      created_by: system,
      created_by_name: 'system',
      created_timestamp: stamp(daysAgo),
      updated_by: system,
      updated_by_name: 'system',
      updated_timestamp: stamp(daysAgo),
    });
    const soc = this.newId();
    this.notificationGroups.put({
      id: soc,
      name: 'SOC on-call',
      description: 'Seeded notification group.',
      channels: [
        {
          type: 'email',
          config_id: 'email-default',
          config_name: 'Email',
          recipients: ['soc@example.com'],
          severity: 'high',
        },
      ],
      ...meta(20),
    });
    const sla = this.newId();
    this.slas.put({
      id: sla,
      name: 'Critical: triage in 1 hour',
      description: 'Seeded SLA.',
      goals: [
        {
          type: 'triage',
          duration_seconds: 3600,
          escalation_policy: { steps: [{ escalate_after_seconds: 1800, notification_group_id: soc }] },
        },
      ],
      ...meta(20),
    });
    const tag = this.newId();
    this.accessTags.put({ id: tag, key: 'soc-tier-2', name: 'soc-tier-2', cid, templates: [] });
    this.accessTags.put({ id: this.newId(), key: 'legal-hold', name: 'legal-hold', cid, templates: [] });
    const template = this.newId();
    this.templates.put({
      id: template,
      name: 'Endpoint compromise',
      description: 'Seeded template.',
      sla_id: sla,
      fields: this.withFieldIds([
        {
          name: 'Affected host',
          data_type: 'string',
          input_type: 'text',
          required: true,
          multivalued: false,
        },
        {
          name: 'Containment',
          data_type: 'string',
          input_type: 'select',
          required: false,
          multivalued: false,
          options: [{ value: 'contained' }, { value: 'not contained' }],
        },
      ]),
      access_tags: [{ id: tag, key: 'soc-tier-2', cid }],
      ...meta(15),
    });
  }

  /** A fresh id (uuid form) from the emulator's deterministic stream. */
  newId(): string {
    return this.rng.uuid();
  }

  /** Gives each field (and option) of a template body an id, keeping ids a caller sent. */
  withFieldIds(fields: readonly Record<string, unknown>[]): FieldRecord[] {
    return fields.map((field) => {
      const options = Array.isArray(field['options'])
        ? (field['options'] as Record<string, unknown>[]).map((o) => ({ id: this.newId(), ...o }))
        : undefined;
      return {
        id: this.newId(),
        ...field,
        ...(options ? { options } : {}),
      } as FieldRecord;
    });
  }

  /** Every field of every template, as one queryable collection (rebuilt when templates change). */
  fields(): EntityStore<FieldRecord> {
    if (this.fieldView && this.fieldViewVersion === this.templates.version) return this.fieldView;
    const view = new EntityStore<FieldRecord>({ name: 'fields', idOf: (f) => f.id });
    for (const template of this.templates.values()) {
      for (const field of template.fields) view.put({ ...field, template_id: template.id });
    }
    this.fieldView = view;
    this.fieldViewVersion = this.templates.version;
    return view;
  }
}
