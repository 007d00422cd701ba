import { invariant } from './errors';
import type { LogIndex, NodeId } from './types';

/**
 * A linearizable read position: once the application has applied up to `index`, a read of
 * its state machine reflects every write committed before `readIndex(requestId)` was called.
 */
export interface ReadState {
  readonly index: LogIndex;
  readonly requestId: number;
}

interface PendingRead {
  /** Leader-local sequence number; heartbeats carry the latest one as their context. */
  readonly seq: number;
  readonly index: LogIndex;
  readonly requestId: number;
  readonly acks: Set<NodeId>;
}

/**
 * The leader's ReadIndex bookkeeping (Raft thesis §6.4). A read is registered at the current
 * commit index with a sequence number; every heartbeat carries the latest sequence number, and
 * an acknowledgement of sequence c proves the member still followed us after every read with
 * seq ≤ c was registered. When a majority has proven that, the reads are released.
 */
export class ReadIndexTracker {
  private seq = 0;
  private readonly pending: PendingRead[] = [];

  constructor(readonly maxPending: number) {}

  /** Sequence number heartbeats should carry (0 when no read was ever registered). */
  currentSeq(): number {
    return this.seq;
  }

  isFull(): boolean {
    return this.pending.length >= this.maxPending;
  }

  register(requestId: number, index: LogIndex, self: NodeId): void {
    invariant(!this.isFull(), 'read index queue is full');
    this.seq++;
    this.pending.push({ seq: this.seq, index, requestId, acks: new Set([self]) });
  }

  /** `from` acknowledged a heartbeat carrying `seq`. */
  ack(from: NodeId, seq: number): void {
    for (const read of this.pending) {
      if (read.seq > seq) break;
      read.acks.add(from);
    }
  }

  /**
   * Releases, in order, the reads confirmed by a quorum. Earlier reads hold every ack a later
   * one holds, so the released reads form a prefix.
   */
  release(hasQuorum: (acks: ReadonlySet<NodeId>) => boolean): ReadState[] {
    let n = 0;
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const read = this.pending[i];
      if (read !== undefined && hasQuorum(read.acks)) {
        n = i + 1;
        break;
      }
    }
    return this.pending.splice(0, n).map(({ index, requestId }) => ({ index, requestId }));
  }

  count(): number {
    return this.pending.length;
  }

  /** Leadership ended: pending reads can no longer be confirmed (callers retry). */
  clear(): void {
    this.pending.length = 0;
  }
}
