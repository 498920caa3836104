// `npm run build` (and `prepare`, which `npm ci` runs): compiles Talon to dist/<fingerprint>/.
import { buildCli } from '../bin/compiled.mjs';

const target = await buildCli({ quiet: false });
process.stdout.write(`talon: build in ${target}\n`);
