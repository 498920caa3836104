#!/usr/bin/env node
// The `talon` command. Talon is written in TypeScript and runs through tsx, so there is no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
