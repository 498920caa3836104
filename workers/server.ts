// Process entry point of the HTTP server (webhooks, /healthz, /metrics, Bull Board):
//   node --import tsx workers/server.ts [talon serve options, e.g. --host 0.0.0.0 --scheduler]
// The same as `talon serve`; all wiring lives in src/.
import { main } from '../src/cli/index.ts';

process.exitCode = await main(['serve', ...process.argv.slice(2)]);
