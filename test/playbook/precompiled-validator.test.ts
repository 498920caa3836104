/**
 * The built CLI validates playbooks with standalone code generated from the schema at build time
 * (src/playbook/playbook-validator.ts, bin/compiled.mjs); tests and tsx compile the schema at run time.
 * Both must judge every document alike: the same verdict and the same errors (keyword, paths, params,
 * message, schema, parent schema, data), over the golden corpus of invalid playbooks and the examples.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseYaml } from '../../src/playbook/index.ts';
import {
  playbookValidator,
  playbookValidatorSource,
  type ValidateFunction,
} from '../../src/playbook/playbook-validator.ts';

const INVALID = join(import.meta.dirname, '../fixtures/playbooks/invalid');
const EXAMPLES = join(import.meta.dirname, '../../playbooks');
const documents = [
  ...readdirSync(INVALID)
    .filter((n) => n.endsWith('.yaml'))
    .map((n) => join(INVALID, n)),
  ...readdirSync(EXAMPLES)
    .filter((n) => n.endsWith('.yaml') && !n.endsWith('.test.yaml'))
    .map((n) => join(EXAMPLES, n)),
]
  .map((path) => ({ path, parsed: parseYaml(readFileSync(path, 'utf8')) }))
  .filter(({ parsed }) => parsed.problems.length === 0);

const dir = mkdtempSync(join(tmpdir(), 'talon-validator-'));
let precompiled: ValidateFunction;

beforeAll(async () => {
  // The generated module imports ajv's runtime helper by package name: point it at this checkout's copy.
  const helper = pathToFileURL(createRequire(import.meta.url).resolve('ajv/dist/runtime/ucs2length.js')).href;
  const file = join(dir, 'validator.mjs');
  writeFileSync(
    file,
    playbookValidatorSource().replace("'ajv/dist/runtime/ucs2length.js'", JSON.stringify(helper)),
  );
  precompiled = (await import(pathToFileURL(file).href)).playbookValidator();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the precompiled playbook validator', () => {
  it('has documents of both verdicts to compare', () => {
    const runtime = playbookValidator();
    const verdicts = new Set(documents.map(({ parsed }) => runtime(parsed.value)));
    expect(documents.length).toBeGreaterThan(60);
    expect(verdicts).toEqual(new Set([true, false]));
  });

  it.each(documents.map((d) => [d.path.split('/').slice(-2).join('/'), d] as const))(
    '%s: same verdict and errors as the schema compiled at run time',
    (_name, { parsed }) => {
      const runtime = playbookValidator();
      const expected = runtime(parsed.value);
      const expectedErrors = structuredClone(runtime.errors ?? null);
      expect(precompiled(parsed.value)).toBe(expected);
      expect(structuredClone(precompiled.errors ?? null)).toEqual(expectedErrors);
    },
  );
});
