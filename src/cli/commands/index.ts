import type { CommandEntry } from '../command-spec.ts';

/**
 * Every `talon` command, in the order `--help` lists them. Each is imported only when it runs (a
 * LazyCliCommand), so starting `talon validate` never loads Redis, HTTP server or emulator code; the
 * description here must equal the command module's (test/unit/cli.test.ts checks). A command still to
 * be built is listed with notYetAvailable (from ../command-spec.ts): it says so and exits 2.
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'validate',
    description: 'Validate playbooks and list the OAuth2 scopes they need',
    load: async () => (await import('./validate.ts')).validateCommand,
  },
  {
    name: 'ops',
    description: 'List Falcon operations and show their parameters (the operations catalogue)',
    load: async () => (await import('./ops.ts')).opsCommand,
  },
  {
    name: 'test',
    description: 'Run playbook tests (*.test.yaml) against an embedded emulator',
    load: async () => (await import('./test.ts')).testCommand,
  },
  {
    name: 'run',
    description: 'Run a playbook now and follow its progress',
    load: async () => (await import('./run.ts')).runCommand,
  },
  {
    name: 'worker',
    description: 'Start a worker that executes queued playbook runs',
    load: async () => (await import('./worker.ts')).workerCommand,
  },
  {
    name: 'scheduler',
    description: 'Start the scheduler that enqueues cron and poll triggers',
    load: async () => (await import('./scheduler.ts')).schedulerCommand,
  },
  {
    name: 'serve',
    description: 'Serve webhooks, the queue dashboard, health and metrics',
    load: async () => (await import('./serve.ts')).serveCommand,
  },
  {
    name: 'tokens',
    description: 'Manage API tokens for talon serve (create, list, revoke)',
    load: async () => (await import('./tokens.ts')).tokensCommand,
  },
  {
    name: 'runs',
    description: 'List runs, show one run with its steps, resume a failed one, or prune old ones',
    load: async () => (await import('./runs.ts')).runsCommand,
  },
  {
    name: 'approvals',
    description: 'List, show and decide approvals that runs wait for',
    load: async () => (await import('./approvals.ts')).approvalsCommand,
  },
  {
    name: 'call',
    description: 'Call one Falcon API operation and print the JSON answer',
    load: async () => (await import('./call.ts')).callCommand,
  },
  {
    name: 'emulator',
    description: 'Start the local Falcon API emulator',
    load: async () => (await import('./emulator.ts')).emulatorCommand,
  },
  {
    name: 'demo',
    description: 'Run the headline playbook against the embedded emulator and a local Redis',
    load: async () => (await import('./demo.ts')).demoCommand,
  },
];
