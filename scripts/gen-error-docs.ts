// Writes docs/errors.md from the error catalogue. Run `npm run docs:errors` after adding a code.
import { writeFileSync } from 'node:fs';
import { renderErrorDocs } from '../src/shared/error-docs.ts';

writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorDocs());
