/**
 * Query-string access with Falcon's conventions (falcon-api.md §2.1, §9.1): repeated keys
 * (`ids=a&ids=b`) and, defensively, comma-separated lists (`ids=a,b`); lower-case booleans; numbers
 * sent as strings. Every bad value becomes a 400 naming the parameter.
 */
import { badRequest } from './reply-error.ts';

/** The parsed query string of one request. */
export class QueryParams {
  private readonly values = new Map<string, string[]>();

  constructor(search: URLSearchParams) {
    for (const [key, value] of search) {
      const list = this.values.get(key);
      if (list) list.push(value);
      else this.values.set(key, [value]);
    }
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  names(): string[] {
    return [...this.values.keys()];
  }

  /** A plain object copy, for the request log. */
  toObject(): Record<string, string[]> {
    return Object.fromEntries(this.values);
  }

  /** The last value of a parameter (empty strings count as absent). */
  string(name: string): string | undefined {
    const list = this.values.get(name);
    const value = list?.[list.length - 1];
    return value === undefined || value === '' ? undefined : value;
  }

  /** Every value, with comma-separated values split; empty items dropped. */
  list(name: string): string[] {
    const out: string[] = [];
    for (const value of this.values.get(name) ?? []) {
      for (const item of value.split(',')) {
        const trimmed = item.trim();
        if (trimmed !== '') out.push(trimmed);
      }
    }
    return out;
  }

  integer(name: string): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    if (!/^-?\d+$/.test(text.trim()))
      throw badRequest(`query parameter ${name} must be an integer (got "${text}")`);
    return Number(text);
  }

  boolean(name: string): boolean | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    const lower = text.toLowerCase();
    if (lower !== 'true' && lower !== 'false') {
      throw badRequest(`query parameter ${name} must be true or false (got "${text}")`);
    }
    return lower === 'true';
  }
}
