/**
 * Writes schemas/playbook.schema.json from src/playbook/schema.ts (run: npm run schema), then lets
 * biome format it so `npm run lint` stays clean. The drift test compares parsed JSON, so formatting
 * never counts as drift.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { renderPlaybookSchemaJson } from '../src/playbook/schema-json.ts';

const target = 'schemas/playbook.schema.json';
mkdirSync('schemas', { recursive: true });
writeFileSync(target, renderPlaybookSchemaJson());
execFileSync('npx', ['biome', 'format', '--write', target], { stdio: 'ignore' });
console.log(`wrote ${target}`);
