/**
 * The compiled playbook schema: the only importer of ajv. Compiling the schema costs about 150 ms of
 * CPU (more than the rest of `talon validate`), so the JavaScript build (bin/compiled.mjs) replaces
 * this module with the validator's standalone code, generated at build time from this same schema
 * and these same options by `playbookValidatorSource()`: the CLI never compiles the schema and never
 * loads ajv's compiler. Run from the sources (tests, tsx), the schema is compiled on first use.
 * test/playbook/precompiled-validator.test.ts checks that both give the same errors.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { PLAYBOOK_SCHEMA } from './schema.ts';

export type { ErrorObject, ValidateFunction };

// validateSchema: false skips compiling the JSON Schema meta-schema, which took ~250 ms of every
// `talon validate`; test/playbook/schema-drift.test.ts checks the schema against the meta-schema.
const OPTIONS = {
  allErrors: true,
  strict: true,
  verbose: true,
  allowUnionTypes: true,
  validateSchema: false,
} as const;

let compiled: ValidateFunction | undefined;

/** The playbook schema's validator (compiled once, on first use). */
export function playbookValidator(): ValidateFunction {
  compiled ??= new Ajv2020(OPTIONS).compile(PLAYBOOK_SCHEMA);
  return compiled;
}

/**
 * An ES module that stands in for this one in the build: the standalone validator code, and the same
 * `playbookValidator()`. Its only import is ajv's small runtime helper for string lengths.
 */
export function playbookValidatorSource(): string {
  const ajv = new Ajv2020({ ...OPTIONS, code: { source: true, esm: true } });
  const validate = ajv.compile(PLAYBOOK_SCHEMA);
  // A CommonJS module whose exports object is the function itself (its types describe `.default`).
  const toSource = standaloneCode as unknown as typeof standaloneCode.default;
  const code = toSource(ajv, validate).replace(
    /require\("ajv\/dist\/runtime\/ucs2length"\)\.default/g,
    'ucs2length',
  );
  if (/\brequire\(/.test(code))
    throw new Error('the standalone playbook validator needs a module it does not import');
  return [
    "import ucs2lengthModule from 'ajv/dist/runtime/ucs2length.js';",
    // A CommonJS module: the default import is its exports object, whose `default` is the function.
    "const ucs2length = typeof ucs2lengthModule === 'function' ? ucs2lengthModule : ucs2lengthModule.default;",
    code.replace(/^"use strict";/, ''),
    'export function playbookValidator() { return validate0; }',
  ].join('\n');
}
