/**
 * A small seeded PRNG (mulberry32) so `seed` N always produces the same entities. Not for secrets:
 * tokens come from src/shared/ids.ts.
 */

/** Deterministic random values derived from one 32-bit seed. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  bool(probability = 0.5): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** `count` distinct items (or all of them when there are fewer). */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = [...items];
    const out: T[] = [];
    while (out.length < count && copy.length > 0)
      out.push(copy.splice(Math.floor(this.next() * copy.length), 1)[0] as T);
    return out;
  }

  /** `length` lower-case hex characters. */
  hex(length: number): string {
    // Built from chunks and joined once: appending one character at a time would leave a rope of
    // tiny strings per id, which multiplies memory at 100,000 detections.
    const parts: string[] = [];
    for (let left = length; left > 0; left -= 7) {
      const size = Math.min(7, left);
      parts.push(
        Math.floor(this.next() * 16 ** size)
          .toString(16)
          .padStart(size, '0'),
      );
    }
    return parts.join('');
  }

  /** `length` decimal digits, no leading zero. */
  digits(length: number): string {
    // Up to 15 digits fit a double exactly: one draw, one string.
    if (length <= 15) return String(10 ** (length - 1) + Math.floor(this.next() * 9 * 10 ** (length - 1)));
    const parts: string[] = [String(this.int(1, 9))];
    for (let left = length - 1; left > 0; left -= 9) {
      const size = Math.min(9, left);
      parts.push(String(Math.floor(this.next() * 10 ** size)).padStart(size, '0'));
    }
    return parts.join('');
  }

  /** An RFC 4122 shaped UUID. */
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  }
}
