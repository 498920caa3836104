// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
/**
 * How a playbook names a secret and how that name travels to the worker. A secret slot in a step's
 * `with` is written `${{ secrets.NAME }}`; the compiler turns it into the plain object
 * `{ $secret: NAME }`, which the expression renderer passes through untouched. So compiled plans,
 * job data, checkpoints and run records carry the name only, and the worker resolves the value at
 * call time (src/secrets).
 */

/** A secret slot after compilation: the name only, never the value. */
export interface SecretRef {
  readonly $secret: string;
}

const WHOLE_SECRET = /^\s*\$\{\{\s*secrets\.([A-Za-z][A-Za-z0-9_]*)\s*\}\}\s*$/;

/** The NAME of a string that is exactly `${{ secrets.NAME }}`, else null. */
export function secretNameOf(text: unknown): string | null {
  if (typeof text !== 'string') return null;
  return WHOLE_SECRET.exec(text)?.[1] ?? null;
}

/** True for a compiled secret slot `{ $secret: NAME }`. */
export function isSecretRef(value: unknown): value is SecretRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { $secret?: unknown }).$secret === 'string'
  );
}
