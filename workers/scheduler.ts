// Process entry point of the scheduler (cron and poll triggers):
//   node --import tsx workers/scheduler.ts [talon scheduler options]
// The same as `talon scheduler`; all wiring lives in src/.
import { main } from '../src/cli/index.ts';

process.exitCode = await main(['scheduler', ...process.argv.slice(2)]);
