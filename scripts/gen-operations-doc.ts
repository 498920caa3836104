// Writes docs/operations.md from the operations table. Run `npm run docs:operations` after changing it.
import { writeFileSync } from 'node:fs';
import { renderOperationsDoc } from '../src/falcon/operations/operations-doc.ts';

writeFileSync(new URL('../docs/operations.md', import.meta.url), renderOperationsDoc());
