import { PLAYBOOK_SCHEMA } from './schema.ts';

/** The text of schemas/playbook.schema.json, generated from PLAYBOOK_SCHEMA (`npm run schema`). */
export function renderPlaybookSchemaJson(): string {
  return `${JSON.stringify(PLAYBOOK_SCHEMA, null, 2)}\n`;
}
