import { invariant } from './errors';
import type { LogIndex } from './types';

/**
 * Append messages sent to one follower and not yet acknowledged: a bounded window, limited
 * both in count (maxInflightMsgs) and in bytes (maxInflightBytes), that gives pipelining its
 * flow control.
 */
export class Inflights {
  /** Last index of each in-flight message, ascending, with its size. */
  private readonly pending: { index: LogIndex; bytes: number }[] = [];
  private totalBytes = 0;

  constructor(
    readonly maxCount: number,
    readonly maxBytes: number,
  ) {}

  add(index: LogIndex, bytes: number): void {
    invariant(!this.full(), 'inflights.add on a full window');
    const last = this.pending.at(-1);
    invariant(last === undefined || last.index < index, 'inflight indexes must increase');
    this.pending.push({ index, bytes });
    this.totalBytes += bytes;
  }

  /** Frees every message whose last index is ≤ `index` (acknowledged). */
  freeLE(index: LogIndex): void {
    let n = 0;
    for (const p of this.pending) {
      if (p.index > index) break;
      this.totalBytes -= p.bytes;
      n++;
    }
    this.pending.splice(0, n);
  }

  /** Frees the oldest message (used to unstick a window after a heartbeat response). */
  freeFirstOne(): void {
    const first = this.pending.shift();
    if (first !== undefined) this.totalBytes -= first.bytes;
  }

  full(): boolean {
    return this.pending.length >= this.maxCount || this.totalBytes >= this.maxBytes;
  }

  count(): number {
    return this.pending.length;
  }

  bytes(): number {
    return this.totalBytes;
  }

  reset(): void {
    this.pending.length = 0;
    this.totalBytes = 0;
  }
}
