// The Falcon emulator alone in a child process (bench/lib/bench-emulator.ts starts it): a benchmark
// whose runner should not share its process, and its one JavaScript thread, with the API it calls.
// Argument: the emulator options as JSON (client credentials come in TALON_BENCH_CLIENT_ID and
// TALON_BENCH_CLIENT_SECRET, not on the command line). Prints {"ready":true,"url":...} once listening
// and runs until SIGTERM.
import { startEmulator } from '../../src/emulator/index.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
const clientId = process.env['TALON_BENCH_CLIENT_ID'] ?? '';
const clientSecret = process.env['TALON_BENCH_CLIENT_SECRET'] ?? '';
const emulator = await startEmulator({
  ...options,
  port: 0,
  clients: [{ clientId, clientSecret, scopes: '*' }],
});
process.stdout.write(`${JSON.stringify({ ready: true, url: emulator.url })}\n`);
process.on('SIGTERM', () => {
  void emulator.close().then(() => process.exit(0));
});
