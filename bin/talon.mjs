#!/usr/bin/env node
// The `talon` command: runs the JavaScript build of Talon (see compiled.mjs for how it stays current).
import { loadCliMain } from './compiled.mjs';

const main = await loadCliMain();
process.exitCode = await main(process.argv.slice(2));
