import { RawNode } from '@tessera/raft';
import type { MemoryRaftStorage, Message, RaftStatus, Ready } from '@tessera/raft';
import type {
  CommandResult,
  GetResult,
  MvccCommand,
  MvccStore,
  RaftLogStore,
  ScanOptions,
  ScanResult,
  SpaceMissing,
  TxnStatus,
  WriteBatch,
} from '@tessera/storage';
import type { Clock, TimerHandle } from '../runtime/clock';
import type { Rng } from '../runtime/rng';
import type { NodeId } from '../runtime/transport';
import { decodeCommands, encodeCommands } from './command-codec';
import { invalidCommand } from './command-validation';
import { ReplicaError, invariant } from './errors';
import type { LeaseGap } from './errors';
import { LeaderLease } from './lease';
import type { LeaseAck } from './node-message';
import type { ResolvedDataNodeOptions } from './options';
import { mirrorReady, persistReady } from './raft-state';
import { ReadIndexQueue } from './read-index-queue';
import { putReplicaRecord } from './replica-registry';
import type { MemberRole, ReplicaRecord } from './replica-registry';
import type { ReplicaStatus } from './status';

/** What a replica needs from the node hosting it. */
export interface ReplicaHost {
  readonly nodeId: NodeId;
  readonly clock: Clock;
  readonly mvcc: MvccStore;
  readonly raftLog: RaftLogStore;
  readonly options: ResolvedDataNodeOptions;
  /**
   * Until then every replica of the node ignores vote requests: after a restart it no longer
   * knows which leaders it promised (by lease acks) not to replace. Node start + one election
   * timeout.
   */
  readonly voteQuietUntilMs: number;
  /** Something changed that may give this replica a Ready: run a cycle soon. */
  requestCycle(): void;
}

/** How a replica comes to be: created now, or recovered from the node's engine. */
export interface ReplicaStart {
  readonly record: ReplicaRecord;
  readonly storage: MemoryRaftStorage;
  readonly rng: Rng;
  /** True when the record, space and Raft state are already durable (recovery). */
  readonly recovered: boolean;
  /** The MVCC space's durable applied position (0/0 for a new replica or a logger). */
  readonly appliedIndex: number;
  readonly appliedTerm: number;
}

/** One entry applied in a cycle, with its per-command results (none on a logger). */
export interface AppliedEntry {
  readonly index: number;
  readonly term: number;
  readonly results: readonly CommandResult[];
}

export interface ReadOptions {
  /** Without a lease, confirm leadership by a heartbeat round (ReadIndex) instead of failing. */
  readonly readIndexFallback?: boolean;
}

interface PendingProposal {
  readonly term: number;
  readonly resolve: (results: readonly CommandResult[]) => void;
  readonly reject: (error: ReplicaError) => void;
  readonly timer: TimerHandle;
}

/**
 * This node's member of one slice replication group: a Raft RawNode, its log mirror, and —
 * for data members (voters and learners) — the MVCC space it applies to. Loggers keep the log
 * and vote but never apply anything.
 *
 * The replica does no I/O of its own: the node's ready cycle calls `takeReady`, then
 * `writeReady` (into the shared batch), `settleApplied` once that batch is committed, then,
 * once it is durable, `finishReady`.
 * Everything runs on the node's one thread; none of it is re-entrant.
 */
export class SliceReplica {
  readonly groupId: number;
  readonly spaceId: number;
  readonly memberRole: MemberRole;
  readonly record: ReplicaRecord;
  private readonly rawNode: RawNode;
  private readonly storage: MemoryRaftStorage;
  private readonly lease: LeaderLease;
  private readonly pending = new Map<number, PendingProposal>();
  private readonly reads = new ReadIndexQueue();
  private appliedIndex: number;
  private appliedTerm: number;
  /** Whether the replica record and MVCC space are in a committed batch (maybe not durable). */
  private registered: boolean;
  private readonly durable: Promise<void>;
  private markDurable: () => void = () => undefined;
  private closed = false;

  constructor(
    private readonly host: ReplicaHost,
    start: ReplicaStart,
  ) {
    const { record } = start;
    const self = record.members.find((m) => m.nodeId === host.nodeId);
    invariant(
      self !== undefined,
      () => `group ${record.groupId}: node ${host.nodeId} not a member`,
    );
    this.record = record;
    this.groupId = record.groupId;
    this.spaceId = record.spaceId;
    this.memberRole = self.role;
    this.storage = start.storage;
    this.registered = start.recovered;
    this.durable = new Promise((resolve) => {
      this.markDurable = resolve;
    });
    if (start.recovered) this.markDurable();
    this.appliedIndex = start.appliedIndex;
    this.appliedTerm = start.appliedTerm;
    const o = host.options;
    this.lease = new LeaderLease(o.leaseDurationMs);
    const rng = start.rng;
    this.rawNode = new RawNode({
      id: host.nodeId,
      storage: start.storage,
      rng: () => rng.next(),
      electionTicks: o.electionTicks,
      heartbeatTicks: o.heartbeatTicks,
      // Both are load-bearing for lease reads (see lease.ts); never turn them off here.
      preVote: true,
      checkQuorum: true,
      maxCommittedBytesPerReady: o.maxCommittedBytesPerReady,
      maxSizePerMsgBytes: o.maxSizePerMsgBytes,
    });
  }

  get isDataMember(): boolean {
    return this.memberRole !== 'logger';
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Raft's own view (role, term, leader, commit, progress). */
  raftStatus(): RaftStatus {
    return this.rawNode.status();
  }

  // ---- client API ------------------------------------------------------------------------

  /**
   * Replicates `commands` as one log entry and resolves with their results once the entry is
   * applied on this node — so only after a majority of voters and loggers persisted it.
   * Rejects with a ReplicaError: INVALID_COMMAND, NOT_LEADER, PROPOSAL_DROPPED,
   * PROPOSAL_OVERWRITTEN, PROPOSAL_TIMEOUT or REPLICA_CLOSED (the last two are ambiguous: the entry may still apply).
   */
  propose(commands: readonly MvccCommand[]): Promise<readonly CommandResult[]> {
    if (this.closed) return Promise.reject(this.closedError());
    if (this.pending.size >= this.host.options.maxPendingProposals) {
      return Promise.reject(
        new ReplicaError('PROPOSAL_DROPPED', `group ${this.groupId}: too many pending proposals`, {
          groupId: this.groupId,
          dropReason: 'pendingLimit',
          leaderHint: this.host.nodeId,
        }),
      );
    }
    const invalid = invalidCommand(commands);
    if (invalid !== undefined) {
      return Promise.reject(
        new ReplicaError('INVALID_COMMAND', `group ${this.groupId}: ${invalid}`, {
          groupId: this.groupId,
        }),
      );
    }
    let position: { index: number; term: number };
    try {
      position = this.rawNode.propose(encodeCommands(commands));
    } catch (error) {
      return Promise.reject(ReplicaError.fromUnknown(error, this.groupId));
    }
    const { index, term } = position;
    // An older proposal at the same index was in a log suffix a later leader replaced (we
    // lead again and just appended over it): it can no longer apply.
    this.settle(index, (p) => {
      p.reject(this.overwritten(index, p.term));
    });
    this.host.requestCycle();
    return new Promise((resolve, reject) => {
      const timer = this.host.clock.setTimer(this.host.options.proposalTimeoutMs, () => {
        this.settle(index, (p) => {
          p.reject(
            new ReplicaError('PROPOSAL_TIMEOUT', `group ${this.groupId}: no outcome for ${index}`, {
              groupId: this.groupId,
            }),
          );
        });
      });
      this.pending.set(index, { term, resolve, reject, timer });
    });
  }

  /**
   * A snapshot read at `readTs`, served locally by a leader holding its lease (see lease.ts).
   * Rejects with NOT_LEADER (hint included), LEASE_UNAVAILABLE, NOT_DATA_MEMBER or
   * REPLICA_CLOSED. With `readIndexFallback`, a leader without a lease confirms its leadership
   * by a heartbeat round instead (ReadIndex) and serves the read then, or rejects with
   * LEASE_UNAVAILABLE after `proposalTimeoutMs`. Locks met are returned in the result.
   */
  read(readTs: number, key: Uint8Array, options: ReadOptions = {}): Promise<GetResult> {
    return this.serveRead(() => this.host.mvcc.get(this.spaceId, key, readTs), options);
  }

  /** Like `read`, over user keys in [startKey, endKey) (undefined = open). */
  scan(
    readTs: number,
    startKey: Uint8Array | undefined,
    endKey: Uint8Array | undefined,
    options: ScanOptions & ReadOptions,
  ): Promise<ScanResult> {
    return this.serveRead(
      () => this.host.mvcc.scan(this.spaceId, startKey, endKey, readTs, options),
      options,
    );
  }

  /**
   * The fate of txn `startTs` as recorded on its primary key (committed, rolled back, locked,
   * or nothing yet), read like `read`: by a leader holding its lease, or after a ReadIndex
   * round when asked. Lock resolution reads this before deciding a secondary's fate.
   */
  txnStatus(
    primary: Uint8Array,
    startTs: number,
    options: ReadOptions = {},
  ): Promise<TxnStatus | SpaceMissing> {
    return this.serveRead(
      () => this.host.mvcc.checkTxnStatus(this.spaceId, primary, startTs),
      options,
    );
  }

  status(): ReplicaStatus {
    const st = this.rawNode.status();
    const now = this.host.clock.now();
    const expiresAtMs = st.role === 'leader' ? this.leaseExpiry(st, now) : undefined;
    const lastIndex = st.lastIndex;
    return {
      groupId: this.groupId,
      spaceId: this.spaceId,
      memberRole: this.memberRole,
      raftRole: st.role,
      term: st.term,
      leader: st.leader,
      commit: st.commit,
      applied: this.appliedIndex,
      lastIndex,
      persistedIndex: st.persistedIndex,
      lease: {
        held: expiresAtMs !== undefined && now < expiresAtMs,
        expiresAtMs,
        gap: st.role === 'leader' ? this.leaseGap(st, now) : undefined,
      },
      pendingProposals: this.pending.size,
      progress:
        st.progress === undefined
          ? undefined
          : [...st.progress].map(([nodeId, p]) => ({
              nodeId,
              role: p.role,
              match: p.match,
              next: p.next,
              state: p.state,
              recentActive: p.recentActive,
              lagEntries: Math.max(0, lastIndex - p.match),
            })),
    };
  }

  // ---- driven by the node ----------------------------------------------------------------

  tick(): void {
    if (!this.closed) this.rawNode.tick();
  }

  /**
   * Feeds one Raft message. Returns the lease acknowledgement to send back when the message
   * made (or kept) its sender our leader in its term.
   */
  step(message: Message, sentAtMs: number): LeaseAck | undefined {
    if (this.closed) return undefined;
    if (
      message.type === 'vote' &&
      !message.transfer &&
      this.host.clock.now() < this.host.voteQuietUntilMs
    ) {
      return undefined;
    }
    this.rawNode.step(message);
    if (message.type !== 'append' && message.type !== 'heartbeat' && message.type !== 'snapshot') {
      return undefined;
    }
    const st = this.rawNode.status();
    if (st.term !== message.term || st.leader !== message.from) return undefined;
    return { groupId: this.groupId, term: message.term, sentAtMs };
  }

  onLeaseAck(from: NodeId, ack: LeaseAck): void {
    if (this.closed) return;
    const st = this.rawNode.status();
    if (st.role !== 'leader' || st.term !== ack.term) return;
    this.lease.resetForTerm(st.term);
    this.lease.recordAck(ack.term, from, ack.sentAtMs);
  }

  hasReady(): boolean {
    return !this.closed && this.rawNode.hasReady();
  }

  takeReady(): Ready {
    return this.rawNode.ready();
  }

  /**
   * Step 1 and 3 of the Ready into the node's batch: the log entries and hard state, then
   * every committed entry applied to
   * the MVCC space together with its applied index. Entries at or below the durable applied
   * index are a restart's replay and are skipped, so each entry applies exactly once.
   */
  writeReady(batch: WriteBatch, ready: Ready): AppliedEntry[] {
    // The node writes the record in the first cycle after creation, before any Ready.
    invariant(this.registered, () => `group ${this.groupId}: Ready before its replica record`);
    persistReady(batch, this.host.raftLog, this.groupId, ready);
    const applied: AppliedEntry[] = [];
    for (const entry of ready.committedEntries) {
      if (entry.index <= this.appliedIndex) continue;
      invariant(entry.index === this.appliedIndex + 1, () => {
        return `group ${this.groupId}: entry ${entry.index} after applied ${this.appliedIndex}`;
      });
      let results: readonly CommandResult[] = [];
      if (this.isDataMember) {
        const commands = entry.type === 'normal' ? decodeCommands(entry.data) : [];
        const r = this.host.mvcc.apply(batch, this.spaceId, {
          index: entry.index,
          term: entry.term,
          commands,
        });
        invariant(r.kind === 'applied', () => `space ${this.spaceId} vanished`);
        results = r.results;
      }
      this.appliedIndex = entry.index;
      this.appliedTerm = entry.term;
      applied.push({ index: entry.index, term: entry.term, results });
    }
    return applied;
  }

  /**
   * Right after the batch holding these applies is committed (visible), before it is durable:
   * each proposal at an applied index resolves with its results (same term) or rejects as
   * overwritten (another term won that index).
   *
   * Safe without awaiting the batch: Raft hands out only entries committed on a persisted
   * majority (this leader's own vote counts only from an `advance` after its write was durable)
   * and durable in this member's log, so the outcome is final. Only the apply itself may be lost
   * in a crash, and the restart replays it from the durable log — deterministically, before this
   * replica can serve a lease read again (that needs an applied entry of a new term). Cycles
   * without `mustSync` always settled this way.
   */
  settleApplied(applied: readonly AppliedEntry[]): void {
    for (const entry of applied) {
      this.settle(entry.index, (p) => {
        if (p.term === entry.term) p.resolve(entry.results);
        else p.reject(this.overwritten(entry.index, p.term));
      });
    }
  }

  /**
   * After the batch is durable: Raft sees the new state, confirmed ReadIndex reads are served
   * up to the applied index, the Ready advances. (Proposals settled earlier: settleApplied.)
   */
  finishReady(ready: Ready): void {
    mirrorReady(this.storage, ready);
    this.reads.confirm(ready.readStates);
    this.reads.release(this.appliedIndex);
    this.rawNode.advance(ready);
  }

  /**
   * Resolves once the replica's record, MVCC space and bootstrap membership are durable: a
   * restart of the node from then on recovers it. (Never settles if the node dies first; the
   * creator then re-creates it.)
   */
  whenDurable(): Promise<void> {
    return this.durable;
  }

  /**
   * Node only, in the first cycle after creation: writes the replica record (and the MVCC
   * space of a data member) into the batch. Returns what to run once the batch is durable.
   */
  writeRegistration(batch: WriteBatch): () => void {
    invariant(!this.registered, () => `group ${this.groupId} registered twice`);
    putReplicaRecord(batch, this.record);
    if (this.isDataMember) {
      const created = this.host.mvcc.createSpace(batch, this.spaceId);
      invariant(created, () => `space ${this.spaceId} already exists`);
    }
    this.registered = true;
    return this.markDurable;
  }

  /** Abandons pending proposals (ambiguous outcome) and stops taking part. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.reads.failAll(this.closedError());
    for (const index of [...this.pending.keys()]) {
      this.settle(index, (p) => {
        p.reject(this.closedError());
      });
    }
  }

  // ---- internals -------------------------------------------------------------------------

  private serveRead<T>(read: () => T, options: ReadOptions): Promise<T> {
    try {
      this.checkLeaseRead();
      return Promise.resolve(read());
    } catch (thrown) {
      const error = ReplicaError.fromUnknown(thrown, this.groupId);
      if (error.code !== 'LEASE_UNAVAILABLE' || options.readIndexFallback !== true) {
        return Promise.reject(error);
      }
      return this.readViaReadIndex(read);
    }
  }

  private readViaReadIndex<T>(read: () => T): Promise<T> {
    const { maxPendingProposals, proposalTimeoutMs } = this.host.options;
    if (this.reads.size >= maxPendingProposals) {
      return Promise.reject(this.leaseUnavailable('noQuorumContact', 'too many ReadIndex reads'));
    }
    const requestId = this.reads.newRequestId();
    try {
      this.rawNode.readIndex(requestId);
    } catch (error) {
      return Promise.reject(ReplicaError.fromUnknown(error, this.groupId));
    }
    this.host.requestCycle();
    return new Promise((resolve, reject) => {
      const timer = this.host.clock.setTimer(proposalTimeoutMs, () => {
        if (this.reads.remove(requestId)) {
          reject(this.leaseUnavailable('noQuorumContact', 'ReadIndex not confirmed in time'));
        }
      });
      this.reads.add(requestId, {
        serve: () => {
          try {
            resolve(read());
          } catch (error) {
            reject(ReplicaError.fromUnknown(error, this.groupId));
          }
        },
        fail: reject,
        timer,
      });
    });
  }

  private leaseUnavailable(gap: LeaseGap, why: string): ReplicaError {
    return new ReplicaError('LEASE_UNAVAILABLE', `group ${this.groupId}: ${why}`, {
      groupId: this.groupId,
      leaderHint: this.host.nodeId,
      leaseGap: gap,
    });
  }

  private checkLeaseRead(): void {
    if (this.closed) throw this.closedError();
    if (!this.isDataMember) {
      throw new ReplicaError('NOT_DATA_MEMBER', `group ${this.groupId}: this member is a logger`, {
        groupId: this.groupId,
      });
    }
    const st = this.rawNode.status();
    if (st.role !== 'leader') {
      throw new ReplicaError('NOT_LEADER', `group ${this.groupId}: node ${this.host.nodeId}`, {
        groupId: this.groupId,
        leaderHint: st.leader,
      });
    }
    const gap = this.leaseGap(st, this.host.clock.now());
    if (gap !== undefined) throw this.leaseUnavailable(gap, gap);
  }

  /**
   * Why a leader may not serve a local read now. Having applied an entry of its own term
   * implies it applied everything committed before its term began (earlier leaders' acks);
   * its own term's writes are acknowledged only after they apply here. So no read misses an
   * acknowledged write, and the lease ensures no newer leader acknowledged anything.
   */
  private leaseGap(st: RaftStatus, nowMs: number): LeaseGap | undefined {
    const expires = this.leaseExpiry(st, nowMs);
    const planted = this.host.options.testingKnobs.leaseReadsWithoutQuorum === true;
    if (!planted && (expires === undefined || nowMs >= expires)) return 'noQuorumContact';
    if (this.appliedTerm !== st.term) return 'noCommitInTerm';
    return undefined;
  }

  private leaseExpiry(st: RaftStatus, nowMs: number): number | undefined {
    this.lease.resetForTerm(st.term);
    const quorum = [...st.confState.voters, ...st.confState.loggers];
    return this.lease.expiresAtMs(this.host.nodeId, quorum, nowMs);
  }

  private settle(index: number, fn: (p: PendingProposal) => void): void {
    const p = this.pending.get(index);
    if (p === undefined) return;
    this.pending.delete(index);
    p.timer.cancel();
    fn(p);
  }

  private overwritten(index: number, term: number): ReplicaError {
    return new ReplicaError(
      'PROPOSAL_OVERWRITTEN',
      `group ${this.groupId}: entry ${index} of term ${term} was replaced by a new leader`,
      { groupId: this.groupId, leaderHint: this.rawNode.status().leader },
    );
  }

  private closedError(): ReplicaError {
    return new ReplicaError('REPLICA_CLOSED', `group ${this.groupId} is closed on this node`, {
      groupId: this.groupId,
    });
  }
}
