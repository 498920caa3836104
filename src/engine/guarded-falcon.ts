/**
 * The base of the Falcon port wrappers that act before each request they pass on: the counting port
 * counts it, the stoppable port refuses it once the worker stops. A single call is one request; a paged
 * answer is one request per page, each made only when the next page is asked for, as by the wrapped
 * port itself.
 */
import type { FalconCallOptions, FalconPort, FalconResult } from './ports.ts';

export abstract class GuardedFalcon implements FalconPort {
  protected readonly port: FalconPort;

  constructor(port: FalconPort) {
    this.port = port;
  }

  /** Before each request (a call, or a page); a throw stops it from being sent. */
  protected abstract beforeRequest(): void;

  /** The last page request of a paged answer found no more pages. */
  protected afterLastPage(): void {}

  call(
    operation: string,
    params: Record<string, unknown>,
    options?: FalconCallOptions,
  ): Promise<FalconResult> {
    this.beforeRequest();
    return this.port.call(operation, params, options);
  }

  async *pages(
    operation: string,
    params: Record<string, unknown>,
    options?: FalconCallOptions,
  ): AsyncIterable<FalconResult> {
    const iterator = this.port.pages(operation, params, options)[Symbol.asyncIterator]();
    try {
      for (;;) {
        this.beforeRequest();
        const next = await iterator.next();
        if (next.done) {
          this.afterLastPage();
          return;
        }
        yield next.value;
      }
    } finally {
      await iterator.return?.();
    }
  }
}
