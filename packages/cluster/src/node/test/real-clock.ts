// Test support: the host's clock and timers, for tests that wait on a real disk (LMDB).
import type { Clock, TimerHandle } from '../../runtime/clock';

export class RealClock implements Clock {
  private readonly origin = performance.now();

  now(): number {
    return Math.floor(performance.now() - this.origin);
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const handle = setTimeout(fn, delayMs);
    return {
      cancel: () => {
        clearTimeout(handle);
      },
    };
  }

  defer(fn: () => void): void {
    setImmediate(fn);
  }
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
