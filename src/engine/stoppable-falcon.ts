/**
 * A graceful stop between requests: once `stop` aborts (a worker shutting down after its grace
 * period), the next Falcon request or page is not sent and the run stops with SOAR_ENGINE_STOPPED.
 * The request in flight is not aborted, so its answer is checkpointed and no write is left uncertain.
 */
import { GuardedFalcon } from './guarded-falcon.ts';
import type { FalconPort } from './ports.ts';
import { engineError, RunAbort } from './run-errors.ts';

/** The abort that stops a run handed back by its worker (runPlaybook rethrows the reason). */
export function stoppedError(runId: string): RunAbort {
  return new RunAbort(
    engineError(
      'SOAR_ENGINE_STOPPED',
      `run ${runId} was stopped by its worker shutting down; it resumes elsewhere`,
    ),
    'infrastructure',
  );
}

/** Wraps `port` so no request starts after `stop` aborted. */
export function stoppableFalcon(port: FalconPort, stop: AbortSignal, runId: string): FalconPort {
  return new StoppableFalcon(port, stop, runId);
}

/** A class, not closures: every run a worker executes makes one. */
class StoppableFalcon extends GuardedFalcon {
  private readonly stop: AbortSignal;
  private readonly runId: string;

  constructor(port: FalconPort, stop: AbortSignal, runId: string) {
    super(port);
    this.stop = stop;
    this.runId = runId;
  }

  protected beforeRequest(): void {
    if (this.stop.aborted) throw stoppedError(this.runId);
  }
}
