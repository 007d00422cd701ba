import type { RaftConfig } from './config';
import type { ConfChange } from './conf-change';
import { invariant } from './errors';
import type { Message } from './message';
import type { ProposalPosition } from './raft';
import { Raft } from './raft';
import type { Ready } from './ready';
import type { FollowerProgress, Leadership, RaftStatus } from './status';
import type { ConfState, HardState, NodeId, SoftState } from './types';
import { hardStateEqual } from './types';

/**
 * One member of one Raft group, as a pure state machine: inputs through `tick`, `step`,
 * `propose*`, `transferLeadership` and the `report*` calls; outputs through `ready()`, which
 * the application processes (see Ready) and acknowledges with `advance()`.
 *
 * No I/O, timers, clock or randomness inside: time is `tick()` calls, randomness is the
 * injected `rng`, durable state is read through RaftStorage. Not re-entrant; drive it from
 * one thread.
 */
export class RawNode {
  private readonly raft: Raft;
  private prevSoftState: SoftState;
  private prevHardState: HardState;
  private outstanding: Ready | undefined = undefined;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.prevSoftState = this.raft.softState();
    this.prevHardState = this.raft.hardState();
  }

  get id(): NodeId {
    return this.raft.id;
  }

  /** Advances logical time by one tick (elections, heartbeats, check-quorum). */
  tick(): void {
    this.raft.tick();
  }

  /** Feeds a message from another member (as received, in any order, possibly duplicated). */
  step(message: Message): void {
    this.raft.step(message);
  }

  /** Starts an election now (pre-vote first when enabled), if this member may lead. */
  campaign(): void {
    this.raft.hup(false);
  }

  /**
   * Appends application data to the log. Only the leader accepts proposals; otherwise, while
   * a leadership transfer runs, or above maxUncommittedEntriesBytes, throws ProposalDropped.
   * The proposal is committed when an entry with the returned index *and term* is applied;
   * a different term at that index means it was lost to a leader change.
   */
  propose(data: Uint8Array): ProposalPosition {
    return this.raft.propose('normal', data);
  }

  /**
   * Proposes a single-server membership change. Throws ProposalDropped as `propose` does,
   * and also while an earlier change is unapplied or when the change is invalid.
   */
  proposeConfChange(change: ConfChange): ProposalPosition {
    return this.raft.proposeConfChange(change);
  }

  /**
   * Asks for a linearizable read position, answered by a ReadState in a later Ready (serve
   * the read once applied ≥ its index). Leader only; throws ProposalDropped otherwise or above
   * maxPendingReads. Requests pending when leadership ends are dropped: time out and retry.
   */
  readIndex(requestId: number): void {
    this.raft.readIndex(requestId);
  }

  /** Asks the leader (directly or via this member) to hand leadership to a data voter. */
  transferLeadership(transferee: NodeId): void {
    this.raft.transferLeadership(transferee);
  }

  /** The transport could not reach `id`; the leader stops pipelining to it. */
  reportUnreachable(id: NodeId): void {
    this.raft.reportUnreachable(id);
  }

  /** The transport delivered (or failed to deliver) the snapshot last sent to `id`. */
  reportSnapshot(id: NodeId, delivered: boolean): void {
    this.raft.reportSnapshot(id, delivered);
  }

  /** Whether `ready()` has work; false while a Ready is outstanding. */
  hasReady(): boolean {
    if (this.outstanding !== undefined) return false;
    const r = this.raft;
    if (r.hasPendingAppends() || r.msgs.length > 0 || r.readStates.length > 0) return true;
    if (r.log.unstable.entries.length > 0 || r.log.unstable.snapshot !== undefined) return true;
    if (r.log.hasNextCommittedEntries()) return true;
    const soft = r.softState();
    if (soft.leader !== this.prevSoftState.leader || soft.role !== this.prevSoftState.role) {
      return true;
    }
    return !hardStateEqual(r.hardState(), this.prevHardState);
  }

  /** Hands out the next batch of work. Precondition: the previous Ready was advanced. */
  ready(): Ready {
    invariant(this.outstanding === undefined, 'ready() called before advance() of the last Ready');
    const r = this.raft;
    r.flushAppends();
    const soft = r.softState();
    const hard = r.hardState();
    const softChanged =
      soft.leader !== this.prevSoftState.leader || soft.role !== this.prevSoftState.role;
    const hardChanged = !hardStateEqual(hard, this.prevHardState);
    const entries = [...r.log.unstable.entries];
    const snapshot = r.log.unstable.snapshot;
    const ready: Ready = {
      softState: softChanged ? soft : undefined,
      hardState: hardChanged ? hard : undefined,
      entries,
      snapshot,
      committedEntries: r.log.nextCommittedEntries(r.config.maxCommittedBytesPerReady),
      messages: r.msgs,
      readStates: r.readStates,
      mustSync:
        entries.length > 0 ||
        snapshot !== undefined ||
        hard.term !== this.prevHardState.term ||
        hard.vote !== this.prevHardState.vote,
    };
    r.msgs = [];
    r.readStates = [];
    this.prevSoftState = soft;
    this.prevHardState = hard;
    this.outstanding = ready;
    return ready;
  }

  /**
   * The application finished `ready` (persisted, sent, applied; see Ready). This is the only
   * way Raft learns that entries are durable here, which the leader needs to count itself
   * toward commit.
   */
  advance(ready: Ready): void {
    invariant(ready === this.outstanding, 'advance() of a Ready that is not the outstanding one');
    this.outstanding = undefined;
    const r = this.raft;
    if (ready.snapshot !== undefined) r.appliedSnapshot(ready.snapshot.metadata.index);
    const last = ready.entries.at(-1);
    if (last !== undefined) r.log.stableTo(last.index, last.term);
    r.onPersisted();
    r.applied(ready.committedEntries);
  }

  /** Membership as of the applied index: what a snapshot taken now must record. */
  confState(): ConfState {
    return this.raft.membership.toConfState();
  }

  /**
   * The few facts a leased read checks — role, term, leader, and the quorum set (voters and
   * loggers) — without building the full status: `status()` copies the membership and every
   * follower's progress, too much for a read's hot path.
   */
  leadership(): Leadership {
    const r = this.raft;
    return { role: r.role, term: r.term, leader: r.leader, quorum: r.membership.quorumMembers() };
  }

  status(): RaftStatus {
    const r = this.raft;
    return {
      id: r.id,
      role: r.role,
      term: r.term,
      vote: r.vote,
      leader: r.leader,
      commit: r.log.committed,
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
      persistedIndex: r.log.persistedIndex(),
      firstIndex: r.log.firstIndex(),
      confState: r.membership.toConfState(),
      leadTransferee: r.leadTransferee,
      uncommittedBytes: r.uncommittedBytes,
      pendingReads: r.pendingReadCount(),
      droppedMessages: r.droppedMessages,
      progress: r.role === 'leader' ? this.progressReport() : undefined,
    };
  }

  private progressReport(): ReadonlyMap<NodeId, FollowerProgress> {
    const r = this.raft;
    const out = new Map<NodeId, FollowerProgress>();
    for (const [id, pr] of r.progress) {
      out.set(id, {
        role: r.membership.roleOf(id) ?? 'learner',
        match: pr.match,
        next: pr.next,
        state: pr.state,
        recentActive: pr.recentActive,
        inflightMsgs: pr.inflights.count(),
        inflightBytes: pr.inflights.bytes(),
        pendingSnapshot: pr.pendingSnapshot,
      });
    }
    return out;
  }
}
