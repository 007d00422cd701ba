import type { Clock, TimerHandle } from '@tessera/cluster';

/** setTimeout silently turns a delay above 2^31 - 1 ms (~24.8 days) into 1 ms; we refuse it. */
const timerDelayMsMax = 0x7fff_ffff;

export interface SystemClockOptions {
  /**
   * Timers do not keep the process alive (`timer.unref()`): a process whose only remaining work
   * is a retry or a heartbeat timer may exit. Off by default — a server wants its timers.
   */
  readonly unrefTimers?: boolean;
}

export interface SystemTimerOptions {
  /** Overrides `SystemClockOptions.unrefTimers` for this one timer. */
  readonly unref?: boolean;
}

/**
 * The host's clock, for a real deployment (the simulator uses `SimClock`).
 *
 * `now()` is wall-clock epoch milliseconds, clamped so that it never goes backwards within the
 * process. Why wall time and not `performance.now()`: the engine compares `now()` across nodes
 * (TSO physical time, lock TTLs judged by the primary leader's clock, lease drift bounds), which
 * only works on NTP-disciplined wall clocks. Why the clamp: the wall clock can step backwards
 * (an NTP step, an operator setting the date, a VM resumed from a snapshot), and the `Clock`
 * contract promises that `now()` never decreases — lease and TTL arithmetic would otherwise see
 * negative elapsed time. After a backwards step `now()` stands still until the wall clock
 * catches up; it never invents time.
 *
 * Use `monotonicMs()` to measure durations inside one process (it is not epoch time and is
 * meaningless on another host).
 */
export class SystemClock implements Clock {
  private lastMs = 0;
  private readonly unrefTimers: boolean;

  constructor(options: SystemClockOptions = {}) {
    this.unrefTimers = options.unrefTimers ?? false;
  }

  now(): number {
    const wallMs = Date.now();
    if (wallMs > this.lastMs) this.lastMs = wallMs;
    return this.lastMs;
  }

  /** Sub-millisecond monotonic time since process start (`performance.now()`), for measuring. */
  monotonicMs(): number {
    return performance.now();
  }

  setTimer(delayMs: number, fn: () => void, options: SystemTimerOptions = {}): TimerHandle {
    if (!(delayMs >= 0 && delayMs <= timerDelayMsMax)) {
      throw new RangeError(`SystemClock.setTimer: bad delay ${delayMs}`);
    }
    const timer = setTimeout(fn, delayMs);
    if (options.unref ?? this.unrefTimers) timer.unref();
    return {
      cancel: () => {
        clearTimeout(timer);
      },
    };
  }

  /**
   * Runs `fn` in the check phase of this event-loop turn (`setImmediate`): after pending I/O
   * callbacks, before any timer. Not `setTimeout(fn, 0)`, which Node clamps to 1 ms.
   *
   * Caveat of Node's event loop: a `defer` issued from inside a deferred function runs in the
   * next loop turn, which first runs the timers that fell due meanwhile. Called from I/O or
   * timer callbacks (where engine code runs) the order is as the `Clock` contract says.
   */
  defer(fn: () => void): void {
    setImmediate(fn);
  }
}
