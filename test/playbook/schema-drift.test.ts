import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderPlaybookSchemaJson } from '../../src/playbook/index.ts';

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
});
