/**
 * New detections over time (`talon emulator --event-rate N`, PUT /_admin/event-rate): a timer that
 * creates N detections per second in small batches, each streamed as an EppDetectionSummaryEvent.
 */
import type { EmulatorServices } from './exchange.ts';

const TICK_MS = 50;

export interface DetectionGenerator {
  /** Detections per second; 0 stops the timer. */
  setRate(perSecond: number): void;
  readonly rate: number;
}

/** Starts generating at `perSecond` (0 = idle until setRate). */
export function startDetectionGenerator(services: EmulatorServices, perSecond: number): DetectionGenerator {
  let rate = 0;
  let timer: NodeJS.Timeout | undefined;
  let owed = 0;
  let last = 0;
  const tick = () => {
    const now = services.options.clock.now();
    owed += ((now - last) / 1000) * rate;
    last = now;
    const count = Math.floor(owed);
    if (count <= 0) return;
    owed -= count;
    services.state.createDetections(count, now);
  };
  const generator: DetectionGenerator = {
    get rate() {
      return rate;
    },
    setRate(next) {
      rate = next;
      if (timer) clearInterval(timer);
      timer = undefined;
      owed = 0;
      if (rate <= 0) return;
      last = services.options.clock.now();
      timer = setInterval(tick, TICK_MS);
      timer.unref();
    },
  };
  generator.setRate(perSecond);
  return generator;
}
