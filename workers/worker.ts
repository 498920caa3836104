// Process entry point of a run worker (docker-compose, process managers, the crash test):
//   node --import tsx workers/worker.ts [talon worker options]
// The same as `talon worker`; all wiring lives in src/, nothing here but the hand-off.
import { main } from '../src/cli/index.ts';

process.exitCode = await main(['worker', ...process.argv.slice(2)]);
