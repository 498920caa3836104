/**
 * A graceful stop between requests: once `stop` aborts (a worker shutting down after its grace
 * period), the next Falcon request or page is not sent and the run stops with SOAR_ENGINE_STOPPED.
 * The request in flight is not aborted, so its answer is checkpointed and no write is left uncertain.
 */
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
  const check = (): void => {
    if (stop.aborted) throw stoppedError(runId);
  };
  return {
    call(operation, params, options) {
      check();
      return port.call(operation, params, options);
    },
    async *pages(operation, params, options) {
      const iterator = port.pages(operation, params, options)[Symbol.asyncIterator]();
      try {
        for (;;) {
          check();
          const next = await iterator.next();
          if (next.done) return;
          yield next.value;
        }
      } finally {
        await iterator.return?.();
      }
    },
  };
}
