import type { ResolvedRaftConfig, RaftConfig } from './config';
import { resolveConfig } from './config';
import type { ConfChange } from './conf-change';
import { decodeConfChange, encodeConfChange } from './conf-change';
import { payloadBytes } from './entry-size';
import { invariant, ProposalDropped } from './errors';
import { Membership } from './membership';
import type {
  AppendMessage,
  AppendResponse,
  HeartbeatMessage,
  Message,
  SnapshotMessage,
  TransferLeaderMessage,
  VoteMessage,
} from './message';
import { Progress } from './progress';
import { RaftLog } from './raft-log';
import type { ReadState } from './read-index';
import { ReadIndexTracker } from './read-index';
import type { Entry, EntryType, HardState, LogIndex, NodeId, Role, SoftState, Term } from './types';
import { isEmptySnapshot, NO_NODE } from './types';

/** Where a proposal landed; it is committed once an entry with this index and term applies. */
export interface ProposalPosition {
  readonly index: LogIndex;
  readonly term: Term;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A message before the sender stamps its id and term on it. */
type Outgoing = DistributiveOmit<Message, 'from' | 'term'>;

/**
 * The Raft protocol for one member of one group. Internal: the application drives it through
 * RawNode, which adds the Ready/advance handshake.
 *
 * Everything is synchronous and deterministic: inputs are messages, ticks, proposals and
 * persistence acknowledgements; outputs are appended to `msgs` and to the log's unstable
 * tail. The structure follows etcd/raft, with two deliberate differences:
 *
 * - The leader counts itself toward a commit quorum only up to what it has persisted
 *   (`onPersisted`), never up to what it has merely appended.
 * - Loggers are voters without data. They campaign only after twice the election timeout
 *   (data voters normally win first), and a logger that wins is an *interim* leader: it takes
 *   no proposals and hands leadership to the most caught-up data voter as soon as that one has
 *   the whole log. Without this, a data voter that lost its disk could leave the only copy of
 *   committed entries on the logger, and the group could never elect a leader again.
 */
export class Raft {
  readonly id: NodeId;
  readonly config: ResolvedRaftConfig;
  readonly log: RaftLog;

  term: Term = 0;
  vote: NodeId = NO_NODE;
  role: Role = 'follower';
  leader: NodeId = NO_NODE;
  membership: Membership;
  /** Leader only: replication state of every member, including itself. */
  readonly progress = new Map<NodeId, Progress>();
  /** Candidate and pre-candidate: ballots received (true = granted). */
  readonly votes = new Map<NodeId, boolean>();
  /** Outgoing messages, drained by each Ready. */
  msgs: Message[] = [];
  droppedMessages = 0;
  /** Leader: the member leadership is being handed to, or NO_NODE. */
  leadTransferee: NodeId = NO_NODE;
  /** Leader: index of the latest membership change proposed; the next waits until applied. */
  pendingConfIndex: LogIndex = 0;
  /** Leader: payload bytes appended and not yet applied, bounded by the config. */
  uncommittedBytes = 0;
  /** Leader: reads waiting for a quorum to confirm leadership. */
  readonly reads: ReadIndexTracker;
  /** Leader: reads that arrived before the first commit of this term; bounded like `reads`. */
  private readsBeforeCommit: number[] = [];
  /** Confirmed reads, drained by each Ready. */
  readStates: ReadState[] = [];
  /** Leader: proposals appended since the last broadcast; sent as one batch per Ready. */
  private appendsPending = false;

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTicks = 0;

  constructor(rawConfig: RaftConfig) {
    this.config = resolveConfig(rawConfig);
    this.id = this.config.id;
    this.reads = new ReadIndexTracker(this.config.maxPendingReads);
    this.log = new RaftLog(this.config.storage);
    const { hardState, confState, snapshotIndex } = this.config.storage.initialState();
    this.membership = Membership.fromConfState(confState);
    invariant(snapshotIndex >= this.log.firstIndex() - 1, 'entries dropped beyond the snapshot');
    invariant(snapshotIndex <= this.log.lastIndex(), 'snapshot beyond the last index');
    // Membership is as of the snapshot, so applying resumes right after it.
    this.log.committed = snapshotIndex;
    this.log.applied = snapshotIndex;
    this.loadHardState(hardState);
    this.becomeFollower(this.term, NO_NODE);
  }

  private loadHardState(hs: HardState): void {
    const commit = Math.max(hs.commit, this.log.committed);
    invariant(commit <= this.log.lastIndex(), () => {
      return `persisted commit ${hs.commit} beyond last index ${this.log.lastIndex()}`;
    });
    this.log.committed = commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  softState(): SoftState {
    return { leader: this.leader, role: this.role };
  }

  // ─── Time ────────────────────────────────────────────────────────────────────────────────

  tick(): void {
    if (this.role === 'leader') this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.mayCampaign() && this.electionElapsed >= this.randomizedElectionTicks) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.config.electionTicks) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum) this.checkQuorum();
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.role === 'leader' && this.leadTransferee !== NO_NODE) this.abortLeaderTransfer();
    }
    if (this.role !== 'leader') return;
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat();
    }
    this.handOffInterimLeadership();
  }

  private checkQuorum(): void {
    const self = this.progress.get(this.id);
    if (self !== undefined) self.recentActive = true;
    const active = this.membership.hasActiveQuorum(
      (id) => this.progress.get(id)?.recentActive ?? false,
    );
    for (const [id, pr] of this.progress) pr.recentActive = id === this.id;
    if (!active) this.becomeFollower(this.term, NO_NODE);
  }

  private resetRandomizedElectionTicks(): void {
    const { electionTicks } = this.config;
    const jitter = Math.floor(this.config.rng() * electionTicks);
    this.randomizedElectionTicks = electionTicks + Math.min(Math.max(jitter, 0), electionTicks - 1);
    // A logger waits one more election timeout: data voters should win when they can.
    if (this.membership.roleOf(this.id) === 'logger') this.randomizedElectionTicks += electionTicks;
  }

  // ─── Role transitions ────────────────────────────────────────────────────────────────────

  private reset(term: Term): void {
    if (this.term !== term) {
      invariant(term > this.term, () => `term went back from ${this.term} to ${term}`);
      this.term = term;
      this.vote = NO_NODE;
    }
    this.leader = NO_NODE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTicks();
    this.leadTransferee = NO_NODE;
    this.votes.clear();
    this.progress.clear();
    this.pendingConfIndex = 0;
    this.uncommittedBytes = 0;
    this.appendsPending = false;
    this.reads.clear();
    this.readsBeforeCommit = [];
  }

  becomeFollower(term: Term, leader: NodeId): void {
    this.reset(term);
    this.role = 'follower';
    this.leader = leader;
  }

  private becomePreCandidate(): void {
    invariant(this.role !== 'leader', 'a leader cannot become pre-candidate');
    // Term and vote stay: a pre-vote changes nothing durable.
    this.role = 'preCandidate';
    this.votes.clear();
    this.leader = NO_NODE;
  }

  private becomeCandidate(): void {
    invariant(this.role !== 'leader', 'a leader cannot become candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    invariant(this.role === 'candidate', 'only a candidate becomes leader');
    invariant(this.mayCampaign(), 'only a data voter or a logger may lead');
    this.reset(this.term);
    this.role = 'leader';
    this.leader = this.id;
    this.resetProgress();
    // The empty entry commits everything before it (Raft §5.4.2 forbids counting replicas
    // of older-term entries) and tells followers who leads.
    const empty = this.appendEntries([{ type: 'normal', data: new Uint8Array() }]);
    // No membership change until the empty entry applies: any unapplied entry may be one,
    // and a single-server change is safe only after the leader committed in its own term
    // (the fix to single-server changes in Ongaro's raft-dev post of 2015).
    this.pendingConfIndex = empty.index;
    this.broadcastAppend();
  }

  private resetProgress(): void {
    this.progress.clear();
    const next = this.log.lastIndex() + 1;
    for (const id of this.membership.allMembers()) this.addProgress(id, next);
  }

  private addProgress(id: NodeId, next: LogIndex): void {
    const pr = new Progress(next, this.config.maxInflightMsgs, this.config.maxInflightBytes);
    if (id === this.id) {
      pr.match = this.log.persistedIndex();
      pr.next = Math.max(next, pr.match + 1);
      pr.becomeReplicate();
      pr.recentActive = true;
    }
    this.progress.set(id, pr);
  }

  /** Whether this member may lead for good (a data voter, not mid-snapshot). */
  isPromotable(): boolean {
    return this.membership.isPromotable(this.id) && this.log.unstable.snapshot === undefined;
  }

  /** Whether this member may campaign: a data voter, or a logger as an interim leader. */
  mayCampaign(): boolean {
    return this.membership.canCampaign(this.id) && this.log.unstable.snapshot === undefined;
  }

  /** An interim (logger) leader hands leadership to the most caught-up data voter. */
  private handOffInterimLeadership(): void {
    if (this.membership.isPromotable(this.id) || this.leadTransferee !== NO_NODE) return;
    let best: { id: NodeId; match: LogIndex } | undefined;
    for (const id of this.membership.dataVoters()) {
      const pr = this.progress.get(id);
      if (pr === undefined || !pr.recentActive) continue;
      if (best === undefined || pr.match > best.match) best = { id, match: pr.match };
    }
    if (best !== undefined) this.handleTransferLeader(best.id);
  }

  // ─── Elections ───────────────────────────────────────────────────────────────────────────

  /** Starts an election (after pre-vote unless `transfer`), if this member may lead. */
  hup(transfer: boolean): void {
    if (this.role === 'leader') return;
    if (!this.mayCampaign()) return;
    // An unapplied membership change might remove us or change the quorum: wait for it.
    if (this.hasUnappliedConfChanges()) return;
    if (this.config.preVote && !transfer) this.campaign('preVote', false);
    else this.campaign('vote', transfer);
  }

  private hasUnappliedConfChanges(): boolean {
    const { applied, committed } = this.log;
    if (committed <= applied) return false;
    const entries = this.log.slice(applied + 1, committed + 1, Number.MAX_SAFE_INTEGER);
    return entries.some((e) => e.type === 'confChange');
  }

  private campaign(kind: 'preVote' | 'vote', transfer: boolean): void {
    const preVote = kind === 'preVote';
    if (preVote) this.becomePreCandidate();
    else this.becomeCandidate();
    const voteTerm = preVote ? this.term + 1 : this.term;
    if (this.recordVote(this.id, true)) return;
    for (const id of this.membership.quorumMembers()) {
      if (id === this.id) continue;
      const request: Outgoing = {
        type: 'vote',
        to: id,
        preVote,
        transfer,
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
      };
      this.sendWithTerm(request, voteTerm);
    }
  }

  /** Records a ballot; returns true when the campaign is decided (won or lost). */
  private recordVote(from: NodeId, granted: boolean): boolean {
    if (!this.votes.has(from)) this.votes.set(from, granted);
    const result = this.membership.voteResult(this.votes);
    switch (result) {
      case 'won':
        if (this.role === 'preCandidate') this.campaign('vote', false);
        else this.becomeLeader();
        return true;
      case 'lost':
        this.becomeFollower(this.term, NO_NODE);
        return true;
      case 'pending':
        return false;
    }
  }

  private handleVoteRequest(m: VoteMessage): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === NO_NODE && this.leader === NO_NODE) ||
      (m.preVote && m.term > this.term);
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      // A granted pre-vote answers at the asked term, so the pre-candidate does not drop it.
      this.sendWithTerm(
        { type: 'voteResponse', to: m.from, preVote: m.preVote, reject: false },
        m.term,
      );
      if (!m.preVote) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: 'voteResponse', to: m.from, preVote: m.preVote, reject: true });
    }
  }

  // ─── Message dispatch ────────────────────────────────────────────────────────────────────

  step(m: Message): void {
    if (m.to !== this.id) return;
    if (m.term > this.term) {
      if (!this.adoptHigherTerm(m)) return;
    } else if (m.term < this.term) {
      this.answerStale(m);
      return;
    }
    if (m.type === 'vote') {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.role) {
      case 'leader':
        this.stepLeader(m);
        break;
      case 'candidate':
      case 'preCandidate':
        this.stepCandidate(m);
        break;
      case 'follower':
        this.stepFollower(m);
        break;
    }
  }

  /** Handles a message from a higher term; returns false when the message is to be dropped. */
  private adoptHigherTerm(m: Message): boolean {
    if (m.type === 'vote') {
      const inLease =
        this.config.checkQuorum &&
        this.leader !== NO_NODE &&
        this.electionElapsed < this.config.electionTicks;
      // While a leader is alive, a candidate is likely a partitioned node coming back.
      if (inLease && !m.transfer) return false;
      if (m.preVote) return true;
    }
    if (m.type === 'voteResponse' && m.preVote && !m.reject) return true;
    const fromLeader = m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot';
    this.becomeFollower(m.term, fromLeader ? m.from : NO_NODE);
    return true;
  }

  private answerStale(m: Message): void {
    if (
      (this.config.checkQuorum || this.config.preVote) &&
      (m.type === 'append' || m.type === 'heartbeat')
    ) {
      // A deposed leader (e.g. behind a healed partition) learns the new term and steps down;
      // without this, pre-vote could leave it unable to ever hear about the new term.
      this.send({
        type: 'appendResponse',
        to: m.from,
        index: 0,
        reject: false,
        rejectHint: 0,
        logTerm: 0,
      });
    } else if (m.type === 'vote' && m.preVote) {
      this.send({ type: 'voteResponse', to: m.from, preVote: true, reject: true });
    }
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case 'appendResponse':
        this.handleAppendResponse(m);
        break;
      case 'heartbeatResponse':
        this.handleHeartbeatResponse(m.from);
        this.reads.ack(m.from, m.readSeq);
        this.releaseReads();
        break;
      case 'transferLeader':
        this.handleTransferLeader(m.transferee);
        break;
      case 'append':
      case 'heartbeat':
      case 'snapshot':
        invariant(false, () => `two leaders in term ${this.term}: ${this.id} and ${m.from}`);
        break;
      case 'vote':
      case 'voteResponse':
      case 'timeoutNow':
        break;
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case 'append':
        this.becomeFollower(m.term, m.from);
        this.handleAppend(m);
        break;
      case 'heartbeat':
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        break;
      case 'snapshot':
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        break;
      case 'voteResponse':
        // Ballots of the other kind are leftovers from an earlier round.
        if (m.preVote === (this.role === 'preCandidate')) this.recordVote(m.from, !m.reject);
        break;
      case 'appendResponse':
      case 'heartbeatResponse':
      case 'vote':
      case 'transferLeader':
      case 'timeoutNow':
        break;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'append':
        this.heardFromLeader(m.from);
        this.handleAppend(m);
        break;
      case 'heartbeat':
        this.heardFromLeader(m.from);
        this.handleHeartbeat(m);
        break;
      case 'snapshot':
        this.heardFromLeader(m.from);
        this.handleSnapshot(m);
        break;
      case 'transferLeader':
        if (this.leader !== NO_NODE) this.forwardTransfer(m);
        break;
      case 'timeoutNow':
        this.hup(true);
        break;
      case 'appendResponse':
      case 'heartbeatResponse':
      case 'vote':
      case 'voteResponse':
        break;
    }
  }

  private heardFromLeader(leader: NodeId): void {
    this.electionElapsed = 0;
    this.leader = leader;
  }

  private forwardTransfer(m: TransferLeaderMessage): void {
    this.send({ type: 'transferLeader', to: this.leader, transferee: m.transferee });
  }

  // ─── Follower side of replication ────────────────────────────────────────────────────────

  private handleAppend(m: AppendMessage): void {
    if (this.isJoiner()) {
      // Our bootstrap membership is not the group's: replaying the log from index 1 would
      // build the wrong membership, so only a snapshot (which carries one) can start us.
      this.send({
        type: 'appendResponse',
        to: m.from,
        index: m.index,
        reject: true,
        rejectHint: 0,
        logTerm: 0,
      });
      return;
    }
    if (m.index < this.log.committed) {
      this.sendAppendResponse(m.from, this.log.committed);
      return;
    }
    const lastNew = this.config.testingKnobs.skipLogMatchingCheck
      ? this.appendUnchecked(m)
      : this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.sendAppendResponse(m.from, lastNew);
      return;
    }
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send({
      type: 'appendResponse',
      to: m.from,
      index: m.index,
      reject: true,
      rejectHint: hint.index,
      logTerm: hint.term,
    });
  }

  /** A member added to a running group: empty log, and not in its own membership. */
  private isJoiner(): boolean {
    return this.log.lastIndex() === 0 && this.membership.roleOf(this.id) === undefined;
  }

  /** The planted bug of TestingKnobs.skipLogMatchingCheck. */
  private appendUnchecked(m: AppendMessage): LogIndex | undefined {
    if (m.index > this.log.lastIndex()) return undefined;
    const term = this.log.term(m.index);
    return term === undefined
      ? undefined
      : this.log.maybeAppend(m.index, term, m.commit, m.entries);
  }

  private sendAppendResponse(to: NodeId, index: LogIndex): void {
    this.send({ type: 'appendResponse', to, index, reject: false, rejectHint: 0, logTerm: 0 });
  }

  private handleHeartbeat(m: HeartbeatMessage): void {
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    this.send({ type: 'heartbeatResponse', to: m.from, readSeq: m.readSeq });
  }

  private handleSnapshot(m: SnapshotMessage): void {
    if (this.restore(m)) this.sendAppendResponse(m.from, this.log.lastIndex());
    else this.sendAppendResponse(m.from, this.log.committed);
  }

  /** Installs a snapshot unless we already have what it covers. Returns true if installed. */
  private restore(m: SnapshotMessage): boolean {
    const { index, term, confState } = m.snapshot.metadata;
    if (index <= this.log.committed) return false;
    if (this.log.matchTerm(index, term)) {
      // We have the entries already: just learn that they are committed.
      this.log.commitTo(index);
      return false;
    }
    this.log.restore(m.snapshot);
    // A joiner may get a snapshot taken before it was added: the log after it adds it.
    this.membership = Membership.fromConfState(confState);
    return true;
  }

  // ─── Leader side of replication ──────────────────────────────────────────────────────────

  /** Appends new entries at the end of the leader's log. */
  private appendEntries(
    entries: readonly { type: EntryType; data: Uint8Array }[],
  ): ProposalPosition {
    const bytes = entries.reduce((sum, e) => sum + e.data.byteLength, 0);
    const max = this.config.maxUncommittedEntriesBytes;
    // One proposal may exceed the limit on its own, or nothing large could ever commit.
    if (this.uncommittedBytes > 0 && bytes > 0 && this.uncommittedBytes + bytes > max) {
      throw new ProposalDropped(
        'uncommittedLimit',
        `uncommitted entries exceed ${max} bytes`,
        this.id,
      );
    }
    const first = this.log.lastIndex() + 1;
    const full: Entry[] = entries.map((e, i) => ({ ...e, index: first + i, term: this.term }));
    const last = this.log.append(full);
    this.uncommittedBytes += bytes;
    if (this.config.testingKnobs.countLeaderBeforePersist) {
      this.progress.get(this.id)?.maybeUpdate(last);
      this.maybeCommit();
    }
    return { index: last, term: this.term };
  }

  /** The application durably wrote everything up to log.persistedIndex(). */
  onPersisted(): void {
    if (this.role !== 'leader') return;
    const self = this.progress.get(this.id);
    invariant(self !== undefined, 'a leader tracks its own progress');
    if (self.maybeUpdate(this.log.persistedIndex()) && this.maybeCommit()) this.broadcastAppend();
  }

  private maybeCommit(): boolean {
    const index = this.membership.committedIndex((id) => this.progress.get(id)?.match ?? 0);
    if (!this.log.maybeCommit(index, this.term)) return false;
    if (this.readsBeforeCommit.length > 0 && this.log.term(this.log.committed) === this.term) {
      const waiting = this.readsBeforeCommit;
      this.readsBeforeCommit = [];
      // Both queues share one bound, so these fit; a read that did not would time out.
      for (const requestId of waiting) if (!this.reads.isFull()) this.registerRead(requestId);
    }
    return true;
  }

  /** Sends pending proposals to every follower (RawNode calls this when building a Ready). */
  flushAppends(): void {
    if (!this.appendsPending) return;
    this.appendsPending = false;
    if (this.role === 'leader') this.broadcastAppend();
  }

  hasPendingAppends(): boolean {
    return this.appendsPending;
  }

  private broadcastAppend(): void {
    for (const id of this.progress.keys()) {
      if (id === this.id) continue;
      // Fill the pipeline (replicate state); a probe sends one and pauses.
      if (this.sendAppend(id, true)) while (this.sendAppend(id, false));
    }
  }

  private broadcastHeartbeat(): void {
    for (const [id, pr] of this.progress) {
      if (id === this.id) continue;
      // Never tell a follower to commit beyond what it is known to hold.
      const commit = Math.min(pr.match, this.log.committed);
      this.send({ type: 'heartbeat', to: id, commit, readSeq: this.reads.currentSeq() });
    }
  }

  /**
   * Sends the next batch of entries (or a snapshot) to `to` unless its flow is paused.
   * Returns whether a message was sent. With `sendIfEmpty` false, nothing is sent when there
   * are no new entries (used to keep a pipeline full).
   */
  private sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const entries = this.log.entriesFrom(pr.next, this.config.maxSizePerMsgBytes);
    if (prevTerm === undefined || entries === undefined || this.needsSnapshotToJoin(pr)) {
      return this.sendSnapshot(to, pr);
    }
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({
      type: 'append',
      to,
      index: prevIndex,
      logTerm: prevTerm,
      entries,
      commit: this.log.committed,
    });
    pr.sentEntries(prevIndex + entries.length, payloadBytes(entries));
    return true;
  }

  /**
   * A member that needs the whole log is (or acts like) a joiner: it must learn the
   * membership from a snapshot, since the log does not start with the bootstrap membership.
   */
  private needsSnapshotToJoin(pr: Progress): boolean {
    return pr.next === 1 && this.log.snapshot().metadata.index > 0;
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    // A member we have not heard from would only waste the transfer.
    if (!pr.recentActive) return false;
    const snapshot = this.log.snapshot();
    invariant(!isEmptySnapshot(snapshot), 'entries are compacted but storage has no snapshot');
    invariant(snapshot.metadata.index >= this.log.firstIndex() - 1, 'snapshot older than the log');
    pr.becomeSnapshot(snapshot.metadata.index);
    this.send({ type: 'snapshot', to, snapshot });
    return true;
  }

  private handleAppendResponse(m: AppendResponse): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    pr.recentActive = true;
    if (m.reject) {
      const probe =
        m.logTerm > 0 ? this.log.findConflictByTerm(m.rejectHint, m.logTerm).index : m.rejectHint;
      if (pr.maybeDecrTo(m.index, probe)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from, true);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index) && !(pr.match === m.index && pr.state === 'probe')) return;
    switch (pr.state) {
      case 'probe':
        pr.becomeReplicate();
        break;
      case 'snapshot':
        if (pr.match + 1 >= this.log.firstIndex()) {
          pr.becomeProbe();
          pr.becomeReplicate();
        }
        break;
      case 'replicate':
        pr.inflights.freeLE(m.index);
        break;
    }
    if (this.maybeCommit()) this.broadcastAppend();
    else if (wasPaused) this.sendAppend(m.from, true);
    // Keep the pipeline full; bounded by the inflight window.
    while (this.sendAppend(m.from, false)) {
      /* sending */
    }
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex())
      this.sendTimeoutNow(m.from);
  }

  private handleHeartbeatResponse(from: NodeId): void {
    const pr = this.progress.get(from);
    if (pr === undefined) return;
    pr.recentActive = true;
    pr.probeSent = false;
    // A lost append must not stall a full window forever.
    if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.match < this.log.lastIndex() || pr.state === 'probe') this.sendAppend(from, true);
  }

  // ─── Proposals and membership ────────────────────────────────────────────────────────────

  propose(type: EntryType, data: Uint8Array): ProposalPosition {
    if (this.role !== 'leader') {
      throw new ProposalDropped('notLeader', `node ${this.id} is not the leader`, this.leader);
    }
    if (this.leadTransferee !== NO_NODE) {
      throw new ProposalDropped(
        'leadershipTransfer',
        `leadership moving to ${this.leadTransferee}`,
        this.id,
      );
    }
    if (!this.membership.isPromotable(this.id)) {
      throw new ProposalDropped(
        'leadershipTransfer',
        `node ${this.id} is an interim logger leader handing leadership to a data voter`,
        this.id,
      );
    }
    if (type === 'confChange') this.checkConfChange(decodeConfChange(data));
    const position = this.appendEntries([{ type, data }]);
    if (type === 'confChange') this.pendingConfIndex = position.index;
    this.appendsPending = true;
    return position;
  }

  proposeConfChange(change: ConfChange): ProposalPosition {
    return this.propose('confChange', encodeConfChange(change));
  }

  private checkConfChange(change: ConfChange): void {
    if (this.pendingConfIndex > this.log.applied) {
      throw new ProposalDropped(
        'confChangePending',
        `membership change at ${this.pendingConfIndex} not yet applied`,
        this.id,
      );
    }
    const next = this.membership.apply(change);
    if (typeof next === 'string') throw new ProposalDropped('invalidConfChange', next, this.id);
  }

  /**
   * The application applied `entries` (committed, in order). Membership changes among them
   * take effect now; an invalid one (only possible if it raced another) is a no-op on every
   * member alike, since all apply the same log.
   */
  applied(entries: readonly Entry[]): void {
    const last = entries.at(-1);
    if (last === undefined) return;
    this.log.appliedTo(last.index);
    if (this.role === 'leader') {
      this.uncommittedBytes = Math.max(0, this.uncommittedBytes - payloadBytes(entries));
    }
    for (const e of entries) {
      if (e.type === 'confChange') this.applyConfChange(decodeConfChange(e.data));
    }
  }

  appliedSnapshot(index: LogIndex): void {
    this.log.stableSnapshotTo(index);
    this.log.appliedTo(index);
  }

  private applyConfChange(change: ConfChange): void {
    const next = this.membership.apply(change);
    if (typeof next === 'string') return;
    this.membership = next;
    if (this.role !== 'leader') return;
    if (!next.canCampaign(this.id)) {
      // Removed or demoted to learner: it must not keep leading.
      this.becomeFollower(this.term, NO_NODE);
      return;
    }
    const members = new Set(next.allMembers());
    for (const id of this.progress.keys()) if (!members.has(id)) this.progress.delete(id);
    for (const id of members)
      if (!this.progress.has(id)) this.addProgress(id, this.log.lastIndex() + 1);
    if (this.leadTransferee !== NO_NODE && !next.isPromotable(this.leadTransferee))
      this.abortLeaderTransfer();
    // The quorum changed: a smaller one may already have committed more.
    this.maybeCommit();
    this.broadcastAppend();
  }

  // ─── Linearizable reads ──────────────────────────────────────────────────────────────────

  /**
   * Asks for a read position (Raft thesis §6.4); the answer arrives as a ReadState in a later
   * Ready once a quorum has confirmed this node still leads. Reads pending when leadership
   * ends are dropped silently: the caller times out and retries.
   */
  readIndex(requestId: number): void {
    if (this.role !== 'leader') {
      throw new ProposalDropped('notLeader', `node ${this.id} is not the leader`, this.leader);
    }
    if (this.pendingReadCount() >= this.config.maxPendingReads) {
      throw new ProposalDropped('readLimit', 'too many reads waiting for confirmation', this.id);
    }
    // Until an entry of its own term commits, a new leader may not know the latest commit.
    if (this.log.term(this.log.committed) !== this.term) {
      this.readsBeforeCommit.push(requestId);
      return;
    }
    this.registerRead(requestId);
  }

  private registerRead(requestId: number): void {
    if (this.config.testingKnobs.readWithoutQuorum) {
      this.readStates.push({ index: this.log.committed, requestId });
      return;
    }
    this.reads.register(requestId, this.log.committed, this.id);
    if (!this.releaseReads()) this.broadcastHeartbeat();
  }

  pendingReadCount(): number {
    return this.reads.count() + this.readsBeforeCommit.length;
  }

  /** Moves reads confirmed by a quorum to readStates; returns whether any were released. */
  private releaseReads(): boolean {
    const released = this.reads.release((acks) =>
      this.membership.hasActiveQuorum((id) => acks.has(id)),
    );
    this.readStates.push(...released);
    return released.length > 0;
  }

  // ─── Leadership transfer ─────────────────────────────────────────────────────────────────

  transferLeadership(transferee: NodeId): void {
    if (this.role === 'leader') this.handleTransferLeader(transferee);
    else if (this.leader !== NO_NODE)
      this.send({ type: 'transferLeader', to: this.leader, transferee });
  }

  private handleTransferLeader(transferee: NodeId): void {
    // Loggers and learners cannot lead; a transfer to them would only stall proposals.
    if (!this.membership.isPromotable(transferee)) return;
    if (this.leadTransferee === transferee || transferee === this.id) return;
    if (this.leadTransferee !== NO_NODE) this.abortLeaderTransfer();
    const pr = this.progress.get(transferee);
    if (pr === undefined) return;
    // The transfer must finish within one election timeout (see tickHeartbeat).
    this.electionElapsed = 0;
    this.leadTransferee = transferee;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(transferee);
    else this.sendAppend(transferee, true);
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send({ type: 'timeoutNow', to });
  }

  private abortLeaderTransfer(): void {
    this.leadTransferee = NO_NODE;
  }

  // ─── Reports from the transport ──────────────────────────────────────────────────────────

  reportUnreachable(id: NodeId): void {
    const pr = this.role === 'leader' ? this.progress.get(id) : undefined;
    if (pr?.state === 'replicate') pr.becomeProbe();
  }

  /** The transport finished (or failed) sending a snapshot to `id`. */
  reportSnapshot(id: NodeId, delivered: boolean): void {
    const pr = this.role === 'leader' ? this.progress.get(id) : undefined;
    if (pr?.state !== 'snapshot') return;
    if (!delivered) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    // Wait for the follower's answer (or the next heartbeat) before probing.
    pr.probeSent = true;
  }

  // ─── Output ──────────────────────────────────────────────────────────────────────────────

  private send(m: Outgoing): void {
    this.sendWithTerm(m, this.term);
  }

  private sendWithTerm(m: Outgoing, term: Term): void {
    if (this.msgs.length >= this.config.maxPendingMessages) {
      // Raft tolerates lost messages; an unbounded queue would not be tolerated by the host.
      this.droppedMessages++;
      return;
    }
    this.msgs.push({ ...m, from: this.id, term });
  }
}
