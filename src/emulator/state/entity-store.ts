/**
 * One collection of entities (detections, IOCs, scans, ...): a Map by id in insertion order, a
 * version that every write bumps (query caches key on it), and the catalogue of properties FQL and
 * sort may name, learned from the shape of the stored entities.
 */

export type Entity = Record<string, unknown>;

export interface EntityStoreOptions<T extends Entity> {
  name: string;
  idOf: (entity: T) => string;
  /** Filter names that differ from the stored path, e.g. `devices.hostname` -> `device.hostname`. */
  aliases?: Readonly<Record<string, string>>;
  /** Properties FQL may name even when no stored entity carries them yet. */
  extraFields?: readonly string[];
  /** The wire shape of an entity, when it is not the entity itself (alert views with getters). */
  shapeOf?: (entity: T) => unknown;
}

// The shape of the first entities is enough to learn every path: seeded entities are uniform.
const CATALOG_SAMPLE = 200;

/** An in-memory collection with a version counter and a property catalogue for FQL. */
export class EntityStore<T extends Entity> {
  readonly name: string;
  private readonly idOf: (entity: T) => string;
  private readonly aliases: Readonly<Record<string, string>>;
  private readonly extraFields: readonly string[];
  private readonly shapeOf: (entity: T) => unknown;
  private byId = new Map<string, T>();
  private fields: Map<string, string> | undefined;
  private versionCounter = 0;

  constructor(options: EntityStoreOptions<T>) {
    this.name = options.name;
    this.idOf = options.idOf;
    this.aliases = options.aliases ?? {};
    this.extraFields = options.extraFields ?? [];
    this.shapeOf = options.shapeOf ?? ((entity) => entity);
  }

  /** Bumped by every change; equal versions mean equal contents. */
  get version(): number {
    return this.versionCounter;
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Adds or replaces an entity. */
  put(entity: T): void {
    this.byId.set(this.idOf(entity), entity);
    this.touch();
  }

  delete(id: string): boolean {
    const removed = this.byId.delete(id);
    if (removed) this.touch();
    return removed;
  }

  /** Marks the store changed after an entity was edited in place. */
  touch(): void {
    this.versionCounter++;
    this.fields = undefined;
  }

  /** Empties the store (used by reset). */
  clear(): void {
    this.byId = new Map();
    this.touch();
  }

  values(): IterableIterator<T> {
    return this.byId.values();
  }

  /** The stored path for an FQL or sort property, or undefined when the collection has no such property. */
  resolveField(field: string): readonly string[] | undefined {
    const lower = field.toLowerCase();
    const known = this.fieldSet();
    for (const candidate of [lower, stripSuffix(lower)]) {
      const stored = known.get(this.aliases[candidate] ?? candidate);
      if (stored) return stored.split('.');
    }
    return undefined;
  }

  /** Every property FQL may name, sorted (for error messages and docs). */
  fieldNames(): string[] {
    return [...this.fieldSet().keys(), ...Object.keys(this.aliases)].sort();
  }

  /** Lower-cased property path -> the path as stored (IDP policy rules use camelCase keys). */
  private fieldSet(): Map<string, string> {
    if (this.fields) return this.fields;
    const fields = new Map<string, string>(this.extraFields.map((f) => [f.toLowerCase(), f]));
    let seen = 0;
    for (const entity of this.byId.values()) {
      collectPaths(this.shapeOf(entity), '', fields, 0);
      if (++seen >= CATALOG_SAMPLE) break;
    }
    this.fields = fields;
    return fields;
  }
}

// Elasticsearch-style sub-fields (`description.keyword`, `metadata.filename.raw`) name the same value.
function stripSuffix(field: string): string {
  return field.replace(/\.(keyword|raw)$/, '');
}

function collectPaths(value: unknown, prefix: string, out: Map<string, string>, depth: number): void {
  if (depth > 6) return;
  if (Array.isArray(value)) {
    for (const item of value.slice(0, 5)) collectPaths(item, prefix, out, depth + 1);
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${key}` : key;
      out.set(path.toLowerCase(), path);
      collectPaths(child, path, out, depth + 1);
    }
  }
}
