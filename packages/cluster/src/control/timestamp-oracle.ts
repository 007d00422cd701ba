import type { Timestamp } from './timestamp';
import { composeTimestamp, maxPhysicalMs, physicalOf } from './timestamp';

/**
 * The timestamp oracle (TSO) of the control-plane leader, TiDB PD style.
 *
 * Invariant: every timestamp it hands out is greater than every timestamp any oracle handed
 * out before, across restarts and leader changes. It holds because the oracle hands out
 * timestamps only below a *reserved window end* that was durably replicated first (through the
 * control-plane log, by `persistWindowEnd`), and a new oracle starts above the last replicated
 * window end. Reserving a window costs one replicated write per `windowMs` of time, not one per
 * timestamp.
 *
 * Requests are served in batches: `allocate(n)` returns n consecutive timestamps, and while a
 * window renewal is being replicated, requests queue (bounded) and are served in order after.
 *
 * Contract for the host (the control-plane leader): create one oracle per leadership term and
 * call `allocate` only while holding the leader lease, dropping the oracle when the lease ends.
 * An old leader cut off by a partition still has a window it could hand out from; its
 * timestamps are below the new leader's, so serving them after a newer one was handed out
 * would break real-time order (a transaction could start "before" one that already
 * committed). The lease makes the two periods disjoint, as in PD.
 */
export interface TimestampOracleOptions {
  /** Maps a clock reading to physical ms since the Tessera epoch (identity in the simulator). */
  readonly physicalNow: () => number;
  /**
   * Replicates a new window end (physical ms) durably; resolves once a majority has it. A
   * rejection (leadership lost) fails the waiting requests; the oracle stays usable and
   * retries on the next request.
   */
  readonly persistWindowEnd: (endPhysicalMs: number) => Promise<void>;
  /** How far ahead of the clock a window reaches (default 3000 ms). */
  readonly windowMs?: number;
  /** Renew when less than this much of the window is left (default windowMs / 3). */
  readonly renewAheadMs?: number;
  /** Bound on queued requests; beyond it `allocate` fails at once (default 10 000). */
  readonly maxQueued?: number;
  /** Bound on one request (default 100 000 timestamps). */
  readonly maxBatch?: number;
}

export interface TimestampBatch {
  /** The first of `count` consecutive timestamps. */
  readonly first: Timestamp;
  readonly count: number;
}

export class OracleUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OracleUnavailableError';
  }
}

interface Waiter {
  readonly count: number;
  readonly resolve: (batch: TimestampBatch) => void;
  readonly reject: (err: Error) => void;
}

export class TimestampOracle {
  /** The next timestamp to hand out. Only ever grows. */
  private cursor: Timestamp;
  private windowEndMs: number;
  private renewing: Promise<void> | undefined;
  private readonly queue: Waiter[] = [];
  private readonly windowMs: number;
  private readonly renewAheadMs: number;
  private readonly maxQueued: number;
  private readonly maxBatch: number;

  /**
   * @param replicatedWindowEndMs the last window end found in the replicated state (0 on a
   *   new cluster). Every timestamp handed out has a physical part at or above it, so it is
   *   above everything an earlier oracle handed out (those stayed below their window end).
   */
  constructor(
    private readonly options: TimestampOracleOptions,
    replicatedWindowEndMs: number,
  ) {
    this.windowMs = options.windowMs ?? 3_000;
    this.renewAheadMs = options.renewAheadMs ?? Math.floor(this.windowMs / 3);
    this.maxQueued = options.maxQueued ?? 10_000;
    this.maxBatch = options.maxBatch ?? 100_000;
    // Start strictly above everything a previous oracle may have handed out: that oracle
    // stayed below its window end, which is at most the replicated one.
    this.cursor = composeTimestamp(replicatedWindowEndMs, 0);
    this.windowEndMs = replicatedWindowEndMs;
  }

  /** The end of the window this oracle may hand out below (for status pages and tests). */
  get reservedWindowEndMs(): number {
    return this.windowEndMs;
  }

  allocate(count = 1): Promise<TimestampBatch> {
    if (!Number.isInteger(count) || count < 1 || count > this.maxBatch) {
      return Promise.reject(
        new RangeError(`allocate(${count}): count must be 1..${this.maxBatch}`),
      );
    }
    if (this.queue.length >= this.maxQueued) {
      return Promise.reject(new OracleUnavailableError('timestamp oracle queue is full'));
    }
    return new Promise<TimestampBatch>((resolve, reject) => {
      this.queue.push({ count, resolve, reject });
      this.drain();
    });
  }

  /** Serves queued requests in order while the window allows; renews it when it runs low. */
  private drain(): void {
    this.followClock();
    for (;;) {
      const waiter = this.queue[0];
      if (waiter === undefined) break;
      const last = this.cursor + waiter.count - 1;
      if (physicalOf(last) >= this.windowEndMs) {
        this.renew();
        return;
      }
      this.queue.shift();
      waiter.resolve({ first: this.cursor, count: waiter.count });
      this.cursor = last + 1;
    }
    if (this.windowEndMs - physicalOf(this.cursor) < this.renewAheadMs) this.renew();
  }

  /**
   * Moves the cursor up to the clock, never down: a clock that steps back only makes the
   * oracle run ahead of it (by at most the window) until the clock catches up.
   */
  private followClock(): void {
    const now = Math.min(this.options.physicalNow(), maxPhysicalMs);
    const atNow = composeTimestamp(now, 0);
    if (atNow > this.cursor) this.cursor = atNow;
  }

  private renew(): void {
    if (this.renewing !== undefined) return;
    const from = Math.max(this.options.physicalNow(), physicalOf(this.cursor));
    // The window must also hold the request at the head of the queue, however large: a
    // renewal that does not move the end past it would be retried forever.
    const headCount = this.queue[0]?.count ?? 1;
    const needed = physicalOf(this.cursor + headCount - 1) + 1;
    const target = Math.min(Math.max(from + this.windowMs, needed), maxPhysicalMs);
    this.renewing = this.options.persistWindowEnd(target).then(
      () => {
        this.renewing = undefined;
        if (target > this.windowEndMs) this.windowEndMs = target;
        this.drain();
      },
      (err: unknown) => {
        this.renewing = undefined;
        const failure = new OracleUnavailableError('could not reserve a timestamp window', {
          cause: err,
        });
        for (const waiter of this.queue.splice(0)) waiter.reject(failure);
      },
    );
  }
}
