import type { CompiledInput, CompiledPlaybook, InputType } from '../playbook/compiled.ts';
import { engineError } from './run-errors.ts';

/**
 * Resolves the inputs a run was given against the playbook's declarations: applies defaults, checks
 * required inputs, types and enums, and rejects unknown names. Strings are converted to the declared
 * type when they spell it exactly ("70" -> 70, "true" -> true, a JSON array/object), because the CLI
 * (`--input k=v`) and webhooks deliver text.
 * @throws SoarError SOAR_ENGINE_INPUT_INVALID naming the first bad input (not retryable).
 */
export function resolveInputs(
  plan: Pick<CompiledPlaybook, 'name' | 'inputs'>,
  given: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const declared = plan.inputs;
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(declared, name)) {
      const known = Object.keys(declared);
      throw engineError(
        'SOAR_ENGINE_INPUT_INVALID',
        `input "${name}" is not declared by playbook "${plan.name}"` +
          (known.length > 0 ? ` (declared: ${known.join(', ')})` : ' (it declares no inputs)'),
        { input: name },
      );
    }
  }
  const resolved: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const value = Object.hasOwn(given, name) ? given[name] : spec.default;
    if (value === undefined || value === null) {
      if (spec.required) {
        throw engineError('SOAR_ENGINE_INPUT_INVALID', `input "${name}" is required (${spec.type})`, {
          input: name,
        });
      }
      resolved[name] = null;
      continue;
    }
    resolved[name] = checkInput(name, spec, value);
  }
  return resolved;
}

function checkInput(name: string, spec: CompiledInput, raw: unknown): unknown {
  const value = typeof raw === 'string' ? fromText(raw, spec.type) : raw;
  if (!hasType(value, spec.type)) {
    throw engineError(
      'SOAR_ENGINE_INPUT_INVALID',
      `input "${name}" must be ${article(spec.type)} ${spec.type}, got ${describe(raw)}`,
      { input: name, expected: spec.type },
    );
  }
  if (spec.enum && !spec.enum.some((allowed) => allowed === value)) {
    throw engineError(
      'SOAR_ENGINE_INPUT_INVALID',
      `input "${name}" must be one of ${spec.enum.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(raw)}`,
      { input: name },
    );
  }
  return value;
}

/** Converts text to the declared type when it spells it exactly; otherwise returns the text. */
function fromText(text: string, type: InputType): unknown {
  const trimmed = text.trim();
  switch (type) {
    case 'integer':
    case 'number':
      return trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : text;
    case 'boolean':
      return trimmed === 'true' ? true : trimmed === 'false' ? false : text;
    case 'array':
    case 'object':
      return parseJsonOr(trimmed, text);
    default:
      return text;
  }
}

function parseJsonOr(trimmed: string, fallback: string): unknown {
  if (!trimmed.startsWith('[') && !trimmed.startsWith('{')) return fallback;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return fallback;
  }
}

function hasType(value: unknown, type: InputType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

function article(type: InputType): string {
  return type === 'integer' || type === 'array' || type === 'object' ? 'an' : 'a';
}
