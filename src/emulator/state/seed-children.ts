/**
 * Flight Control (MSSP) children of the emulator's CID: a parent with a few child customers, each a
 * domain.ChildLink as gofalcon falcon/models/domain_child_link.go shapes it (checksum, child_cid,
 * child_of, domains, name, status). Seeded from their own PRNG stream so adding them moves no other
 * seeded entity.
 */
import { SeededRandom } from './random.ts';

export interface ChildLink {
  [key: string]: unknown;
  checksum: string;
  child_cid: string;
  child_gcid: string;
  child_of: string;
  domains: string[];
  name: string;
  status: string;
  last_modified_timestamp: string;
}

const NAMES = ['Northwind Traders', 'Contoso Health', 'Fabrikam Logistics', 'Tailspin Air', 'Litware Labs'];

/** `count` children of `parentCid`. */
export function seedChildren(seed: number, parentCid: string, count: number, anchorMs: number): ChildLink[] {
  const rng = new SeededRandom((seed ^ 0x6d737370) >>> 0);
  return Array.from({ length: count }, (_, index) => {
    const childCid = rng.hex(32).toLowerCase();
    const name = `${NAMES[index % NAMES.length]}${index >= NAMES.length ? ` ${index + 1}` : ''}`;
    return {
      checksum: rng.hex(2).toLowerCase(),
      child_cid: childCid,
      child_gcid: rng.hex(32).toLowerCase(),
      child_of: parentCid,
      domains: [`${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.example`],
      name,
      status: 'active',
      last_modified_timestamp: new Date(anchorMs - (index + 1) * 86_400_000).toISOString(),
    };
  });
}
