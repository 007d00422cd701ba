import type { NodeId } from '../runtime/transport';

/**
 * A leader's read lease for one group: the time until which no other member can have been
 * elected, by this leader's own clock.
 *
 * Why it holds (with Raft's check-quorum and pre-vote, both on): a member that accepts a
 * message from the leader of term T resets its election timer and, while the timer is below
 * `electionTicks`, ignores vote and pre-vote requests (Raft's "leader lease" for votes). That
 * window lasts at least `(electionTicks - 1) · tickMs` of the member's clock from the moment it
 * received the message, which is after the leader sent it. The member echoes the send time
 * (leader's clock) back in a LeaseAck. So once a quorum (the leader included) has echoed send
 * times ≥ t, no candidate can collect a quorum of votes before `t + window` on the members'
 * clocks, i.e. before `t + window − maxClockDriftMs` on the leader's clock; a new leader needs
 * such a quorum, and quorums intersect. A member that restarts forgets its timer, so every
 * replica of a restarted node refuses votes for an election timeout after the node starts
 * (the vote quiet period), which restores the promise.
 *
 * The lease is per term: acks of another term are ignored and a new term starts empty.
 */
export class LeaderLease {
  private term = 0;
  /** Member → newest send time (this node's clock) it acknowledged in `term`. */
  private readonly ackedSentAtMs = new Map<NodeId, number>();

  constructor(private readonly durationMs: number) {}

  /** Forgets everything when the term changes (a new leadership starts with no lease). */
  resetForTerm(term: number): void {
    if (term === this.term) return;
    this.term = term;
    this.ackedSentAtMs.clear();
  }

  recordAck(term: number, member: NodeId, sentAtMs: number): void {
    if (term !== this.term) return;
    const prev = this.ackedSentAtMs.get(member);
    if (prev === undefined || sentAtMs > prev) this.ackedSentAtMs.set(member, sentAtMs);
  }

  /**
   * The lease's end by this node's clock, or undefined without a quorum of acks. `self` counts
   * as acknowledging `nowMs` (a leader trusts itself). `quorum` lists voters and loggers.
   */
  expiresAtMs(self: NodeId, quorum: readonly NodeId[], nowMs: number): number | undefined {
    const times: number[] = [];
    for (const member of quorum) {
      const t = member === self ? nowMs : this.ackedSentAtMs.get(member);
      if (t !== undefined) times.push(t);
    }
    const needed = Math.floor(quorum.length / 2) + 1;
    if (times.length < needed) return undefined;
    times.sort((a, b) => b - a);
    const quorumTime = times[needed - 1];
    return quorumTime === undefined ? undefined : quorumTime + this.durationMs;
  }
}
