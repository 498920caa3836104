import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A string that must never be printed: a client secret, an access token, a webhook secret.
 * JSON, string conversion, util.inspect and template literals all show `[redacted]`; only `reveal()`
 * returns the value, so every use of the real value is a searchable call site.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The real value. Call it only where the value leaves the process (an HTTP header, an HMAC key). */
  reveal(): string {
    return this.#value;
  }

  /** True when the secret is the empty string. */
  isEmpty(): boolean {
    return this.#value.length === 0;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}

/** Replaces every occurrence of each secret's value in `text` with `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly (Secret | string)[]): string {
  let out = text;
  for (const secret of secrets) {
    const value = typeof secret === 'string' ? secret : secret.reveal();
    if (value.length >= 4) out = out.split(value).join(REDACTED);
  }
  return out;
}
