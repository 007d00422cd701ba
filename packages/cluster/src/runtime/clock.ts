/**
 * Time for engine code. `now()` is milliseconds on a monotonic-enough wall clock (a
 * simulator's virtual time, or the host's clock); timers fire through the same object so the
 * simulator controls both.
 */
export interface Clock {
  /** Milliseconds. Never decreases between two calls on the same clock. */
  now(): number;
  /** Runs `fn` once after `delayMs` (>= 0). */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
  /** Runs `fn` as soon as the current task is done, before any timer that is due later. */
  defer(fn: () => void): void;
  /**
   * Sub-millisecond monotonic time (ms, any origin), for measuring how long synchronous work
   * took (a data node's busy time). Optional: without it callers measure with `now()`, which is
   * right for the simulator (synchronous work takes no virtual time).
   */
  monotonicMs?(): number;
}

export interface TimerHandle {
  cancel(): void;
}

/**
 * Virtual time for the simulator: a priority queue of events ordered by (time, insertion
 * order). Nothing happens until the simulator calls `runNext` / `runUntil`, so a whole cluster
 * runs in one thread and a seed replays exactly.
 */
export class SimClock implements Clock {
  private nowMs: number;
  private seq = 0;
  private readonly heap: SimEvent[] = [];

  constructor(startMs = 0) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    if (!(delayMs >= 0)) throw new RangeError(`SimClock.setTimer: bad delay ${delayMs}`);
    const event: SimEvent = { atMs: this.nowMs + delayMs, seq: this.seq++, fn, cancelled: false };
    this.push(event);
    return {
      cancel: () => {
        event.cancelled = true;
      },
    };
  }

  defer(fn: () => void): void {
    this.setTimer(0, fn);
  }

  /** Events waiting (cancelled ones included until they reach the top). */
  get pending(): number {
    return this.heap.length;
  }

  /** Time of the next live event, or undefined when nothing is scheduled. */
  peekMs(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.atMs;
  }

  /** Runs the next event, advancing time to it. False when nothing is scheduled. */
  runNext(): boolean {
    this.dropCancelled();
    const event = this.pop();
    if (event === undefined) return false;
    this.nowMs = event.atMs;
    event.fn();
    return true;
  }

  /**
   * Runs events until virtual time would pass `untilMs` or `maxEvents` ran (a bound on every
   * loop: a livelock shows up as a returned count, not a hang). Time ends at `untilMs`.
   */
  runUntil(untilMs: number, maxEvents = 1_000_000): number {
    let ran = 0;
    while (ran < maxEvents) {
      const next = this.peekMs();
      if (next === undefined || next > untilMs) break;
      this.runNext();
      ran++;
    }
    if (ran < maxEvents && this.nowMs < untilMs) this.nowMs = untilMs;
    return ran;
  }

  private dropCancelled(): void {
    while (this.heap[0]?.cancelled === true) this.pop();
  }

  private push(event: SimEvent): void {
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      if (p === undefined || !before(event, p)) break;
      heap[i] = p;
      heap[parent] = event;
      i = parent;
    }
  }

  private pop(): SimEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      const ls = heap[l];
      const rs = heap[r];
      const cur = heap[smallest];
      if (ls !== undefined && cur !== undefined && before(ls, cur)) smallest = l;
      const sm = heap[smallest];
      if (rs !== undefined && sm !== undefined && before(rs, sm)) smallest = r;
      if (smallest === i) break;
      const a = heap[i];
      const b = heap[smallest];
      if (a === undefined || b === undefined) break;
      heap[i] = b;
      heap[smallest] = a;
      i = smallest;
    }
    return top;
  }
}

interface SimEvent {
  readonly atMs: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
