import { invariant } from './errors';
import { Inflights } from './inflights';
import type { LogIndex } from './types';

/**
 * How the leader replicates to one follower:
 *
 * - probe: the leader does not know where the logs diverge; it sends one append per heartbeat
 *   interval and waits for the answer before the next.
 * - replicate: the follower is known to match up to `match`; appends stream optimistically
 *   (pipelined, up to the inflight window), advancing `next` as they are sent.
 * - snapshot: the entries the follower needs are compacted; a snapshot is on its way and
 *   nothing else is sent until it is acknowledged or reported failed.
 */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  /** Highest index known to be durable on the follower. */
  match: LogIndex = 0;
  /** Next index to send. Invariant: match < next. */
  next: LogIndex;
  state: ProgressState = 'probe';
  /** In probe state: an append was sent since the last heartbeat, so wait. */
  probeSent = false;
  /** In snapshot state: the index of the snapshot being sent. */
  pendingSnapshot: LogIndex = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  readonly inflights: Inflights;

  constructor(next: LogIndex, maxInflightMsgs: number, maxInflightBytes: number) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMsgs, maxInflightBytes);
  }

  becomeProbe(): void {
    // From snapshot state, resume after the snapshot if it was delivered (match caught up),
    // else from just past what is known to match.
    if (this.state === 'snapshot') {
      const pending = this.pendingSnapshot;
      this.reset('probe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.reset('probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.reset('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: LogIndex): void {
    this.reset('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** An append acknowledged `index`. Returns false when the ack is stale. */
  maybeUpdate(index: LogIndex): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /** Optimistically records that entries up to `lastIndex` were just sent. */
  sentEntries(lastIndex: LogIndex, bytes: number): void {
    switch (this.state) {
      case 'replicate':
        if (lastIndex >= this.next) {
          this.inflights.add(lastIndex, bytes);
          this.next = lastIndex + 1;
        }
        break;
      case 'probe':
        this.probeSent = true;
        break;
      case 'snapshot':
        invariant(false, 'sending entries in snapshot state');
    }
  }

  /**
   * The follower rejected an append at `rejected`, hinting it matches at most `matchHint`.
   * Returns false when the rejection is stale (from an earlier round) and was ignored.
   */
  maybeDecrTo(rejected: LogIndex, matchHint: LogIndex): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      // Pipelined appends past the mismatch are all lost; restart right after `match`.
      this.next = this.match + 1;
      return true;
    }
    // Probe: only the answer to the latest probe (sent at next - 1) counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Should sending appends wait (probe awaiting an answer, full window, or snapshot)? */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  private reset(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }
}
