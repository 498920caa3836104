import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { PLAYBOOK_SCHEMA, renderPlaybookSchemaJson } from '../../src/playbook/index.ts';

describe('schemas/playbook.schema.json', () => {
  it('matches the schema generated from src/playbook/schema.ts (run `npm run schema` when it does not)', () => {
    const committed = readFileSync(new URL('../../schemas/playbook.schema.json', import.meta.url), 'utf8');
    expect(JSON.parse(committed)).toEqual(JSON.parse(renderPlaybookSchemaJson()));
  });

  it('declares JSON Schema 2020-12 and closes the top level to unknown fields', () => {
    const schema = JSON.parse(renderPlaybookSchemaJson()) as Record<string, unknown>;
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.additionalProperties).toBe(false);
  });

  it('is a valid JSON Schema 2020-12 document (the validator skips this check at start-up)', () => {
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
    expect(ajv.validateSchema(PLAYBOOK_SCHEMA), JSON.stringify(ajv.errors)).toBe(true);
  });
});
