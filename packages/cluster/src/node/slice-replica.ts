import { RawNode } from '@tessera/raft';
import type {
  ConfChange,
  ConfState,
  MemoryRaftStorage,
  Leadership,
  Message,
  RaftStatus,
  Ready,
  Snapshot,
  SnapshotMessage,
} from '@tessera/raft';
import type {
  CommandResult,
  ImportResult,
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
import { decodeCommands, encodeCommands, encodeSplit, splitOrderOf } from './command-codec';
import type { SplitOrder } from './command-codec';
import { invalidCommand } from './command-validation';
import { ReplicaError, invariant } from './errors';
import type { LeaseGap } from './errors';
import { LeaderLease } from './lease';
import type { LeaseAck } from './node-message';
import type { ResolvedDataNodeOptions } from './options';
import { NO_SNAPSHOT_DATA, SPLIT_START, membersOf, mirrorReady, persistReady } from './raft-state';
import { ReadIndexQueue } from './read-index-queue';
import { hex, sameHasher } from './key-hashers';
import type { KeyHasherSpec } from './key-hashers';
import {
  WHOLE_HASH_SPACE,
  hashBoundsOf,
  hasherOf,
  isDataRecord,
  putReplicaRecord,
  withHashBounds,
  withHasher,
} from './replica-registry';
import type { HashBounds, MemberRole, ReplicaRecord } from './replica-registry';
import { SnapshotSource, decodeSpaceSnapshot } from './replica-snapshot';
import type { ReplicaBrief, ReplicaStatus } from './status';

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
  /** The replica's record changed outside a Ready (its ranking node): write it soon. */
  recordChanged(replica: SliceReplica): void;
  /** Runs a read's synchronous work, counted into the node's busy time (`NodeMetrics.busyMs`). */
  busy<T>(work: () => T): T;
  /**
   * The hash function of a hasher spec (key-hashers.ts), or undefined when this node does not
   * know it (or refuses its params).
   */
  resolveHasher(spec: KeyHasherSpec): ((key: Uint8Array) => bigint) | undefined;
  /** Whether this node hosts nothing of `groupId` / `spaceId` yet, so a split may found it. */
  canFoundSplitGroup(groupId: number, spaceId: number): boolean;
  /**
   * Founds a split's new group on this node in the parent's apply batch: its record, its Raft
   * state at SPLIT_START (the MVCC space is already in the batch), and its replica. With
   * `campaign` (this node leads the parent) the new replica stands for election at once, so
   * the new group has a leader about one round trip after the split instead of an election
   * timeout.
   */
  foundSplitGroup(batch: WriteBatch, record: ReplicaRecord, campaign: boolean): void;
}

/** How a replica comes to be: created now, or recovered from the node's engine. */
export interface ReplicaStart {
  readonly record: ReplicaRecord;
  readonly storage: MemoryRaftStorage;
  readonly rng: Rng;
  /** True when the record, space and Raft state are already durable (recovery). */
  readonly recovered: boolean;
  /**
   * The MVCC space's durable applied position (0/0 for a new replica or a logger; a logger
   * resumes after its log start).
   */
  readonly appliedIndex: number;
  readonly appliedTerm: number;
}

/** One entry applied in a cycle, with its per-command results (none on a logger). */
export interface AppliedEntry {
  readonly index: number;
  readonly term: number;
  readonly results: readonly CommandResult[];
  /** Set when the entry applied as a no-op instead (a key outside the range): its proposal fails. */
  readonly refusal?: ReplicaError;
}

/** What a scan expects of the group it asks (the requester's map). */
export interface ScanRouting {
  /**
   * The hash range the requester believes this group serves: refused (WRONG_SLICE) when the
   * group's range no longer covers it (a split moved part of it away: the scan would miss rows).
   */
  readonly expectBounds?: HashBounds;
}

export interface ReadOptions {
  /** Without a lease, confirm leadership by a heartbeat round (ReadIndex) instead of failing. */
  readonly readIndexFallback?: boolean;
}

/** A compaction written into the current batch, mirrored into Raft storage at finishReady. */
interface PendingCompaction {
  readonly index: number;
  readonly confState: ConfState;
  readonly source: SnapshotSource;
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
 *
 * ## Snapshots and log compaction
 *
 * - Compaction (data members): at the start of `writeReady`, once `snapshotEveryEntries`
 *   entries were applied since the log start — and only when Raft has applied exactly what the
 *   space holds, so that `rawNode.confState()` is the membership at that index — the replica
 *   pins a storage export of its space (an engine snapshot: exactly the state at the applied
 *   index, which is the visible state between cycles), and writes into the batch the durable
 *   log's `compactPrefix` plus its record with the membership as of that index. After the
 *   batch, `finishReady` mirrors it (`createSnapshot` with metadata only, `compact`).
 *   Compacting is no promise to anyone, so it does not force an fsync: lost in a crash, the
 *   log is simply longer.
 * - Sending: the mirror's snapshot carries no data. When Raft emits a snapshot message,
 *   `outgoing` fills in the pinned export, serialized on first use (SnapshotSource), or
 *   drops the message when this member has no data for its current snapshot (a logger, or a
 *   recovered member whose space moved past its log start: it takes a fresh snapshot soon).
 * - Installing (`ready.snapshot`): the space's content is replaced by the snapshot's (storage
 *   import, staged then switched in one batch), its applied index jumps to the snapshot's, the
 *   log restarts after it, and the record takes the snapshot's membership — all in the cycle's
 *   (synced) batch; the mirror follows after it is durable.
 * ## Splits
 *
 * A split is one log entry (a SplitOrder: `proposeSplit`). Every member applies it at the same
 * index: a data member moves every record (versions, locks, rollback markers) of the keys whose
 * distribution hash is ≥ `at` into the new group's MVCC space, in the same batch as its applied
 * index (storage's `splitSpace`), narrows its hash range to [start, at) in its record, and —
 * when the order lists this node and it hosts nothing of the new group yet — founds the new
 * group's replica from that state at SPLIT_START. A logger only founds its logger replica.
 * From that index on, a command for a key outside the range applies as a no-op and its
 * proposal fails with WRONG_SLICE (checked at apply, so a proposal racing the split cannot
 * write into the parent after the move); reads of such a key, and scans expecting a range
 * the group no longer covers, fail with WRONG_SLICE too. The caller refreshes its map.
 *
 * - Loggers never compact on their own: a logger may lead only as an interim leader and has
 *   no state to ship, so its log must keep every entry some data member may still need. Its
 *   log is reset only when it installs a snapshot from a data leader.
 */
/**
 * Failed hand-offs to the ranking replica back off up to 2^this hand-off checks (election
 * timeouts) between attempts: 32, about half a minute with the default timings.
 */
const handoffBackoffMaxExponent = 5;

export class SliceReplica {
  readonly groupId: number;
  readonly spaceId: number;
  /** Whether this node applies to the MVCC space (voter or learner), fixed for its life. */
  readonly isDataMember: boolean;
  private currentRecord: ReplicaRecord;
  private readonly rawNode: RawNode;
  private readonly storage: MemoryRaftStorage;
  private readonly lease: LeaderLease;
  private readonly pending = new Map<number, PendingProposal>();
  /** Reads asked of this replica (get / scan / status checks), since it was opened. */
  private readsServed = 0;
  /** MVCC commands applied here (prewrites, commits, rollbacks…), since it was opened. */
  private commandsApplied = 0;
  private readonly reads = new ReadIndexQueue();
  /** The distribution-hash range this replica serves (narrowed by each split it applies). */
  private bounds: HashBounds;
  /** How keys are hashed for `bounds` (the record's hasher; the whole key by default). */
  private hasher: KeyHasherSpec;
  private hash: (key: Uint8Array) => bigint;
  private appliedIndex: number;
  private appliedTerm: number;
  /** Whether the replica record and MVCC space are in a committed batch (maybe not durable). */
  private registered: boolean;
  private readonly durable: Promise<void>;
  private markDurable: () => void = () => undefined;
  private closed = false;
  /** Index of the Raft storage's (mirror's) snapshot = the durable log start, once durable. */
  private snapshotIndex: number;
  /** The data of the mirror's snapshot, when this member can produce it. */
  private snapshotSource: SnapshotSource | undefined;
  /** Take a snapshot (and compact) at the next opportunity, whatever snapshotEveryEntries says. */
  private wantSnapshot = false;
  private pendingCompaction: PendingCompaction | undefined;
  /** Ticks since the last check whether to hand leadership to the ranking replica. */
  private ticksSinceHandoffCheck = 0;
  /**
   * The term in which this leader asked for a leadership transfer. From then on it serves no
   * lease read in that term: the transferee may win at once (a transfer vote is granted
   * inside the followers' lease window), and its writes would be invisible to our reads.
   */
  private transferTerm = 0;
  /** The last hand-off this leader asked for, judged at the next check. */
  private handoffAttempt: { readonly term: number; readonly target: NodeId } | undefined;
  /** Hand-offs in a row to the same target that left this member leading (capped). */
  private handoffFailures = 0;
  /** Hand-off checks to let pass before the next attempt (backoff after failures). */
  private handoffChecksToSkip = 0;

  constructor(
    private readonly host: ReplicaHost,
    start: ReplicaStart,
  ) {
    const { record } = start;
    this.currentRecord = record;
    this.groupId = record.groupId;
    this.spaceId = record.spaceId;
    this.isDataMember = isDataRecord(record, host.nodeId);
    this.bounds = hashBoundsOf(record);
    this.hasher = hasherOf(record);
    this.hash = this.mustResolve(this.hasher);
    this.storage = start.storage;
    this.registered = start.recovered;
    this.durable = new Promise((resolve) => {
      this.markDurable = resolve;
    });
    if (start.recovered) this.markDurable();
    const snap = start.storage.snapshot().metadata;
    this.snapshotIndex = snap.index;
    this.appliedIndex = start.appliedIndex;
    this.appliedTerm = start.appliedTerm;
    if (!this.isDataMember && this.appliedIndex < snap.index) {
      // A logger's applied position is not durable: Raft resumes right after the log start.
      this.appliedIndex = snap.index;
      this.appliedTerm = snap.term;
    }
    invariant(
      this.appliedIndex >= snap.index,
      () => `group ${this.groupId}: space at ${this.appliedIndex} behind log start ${snap.index}`,
    );
    if (this.isDataMember && snap.index > 0) {
      // Recovered from a compacted log: the snapshot's data is the space, if it is still at
      // the snapshot's index; otherwise take a fresh snapshot as soon as Raft caught up.
      if (this.appliedIndex === snap.index) this.snapshotSource = this.pinSpace(snap.index);
      this.wantSnapshot = this.snapshotSource === undefined;
    }
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

  /** The replica record as last written: membership as of the log start (see registry). */
  get record(): ReplicaRecord {
    return this.currentRecord;
  }

  /**
   * What this member is in the group now (Raft's membership as of its applied index). A
   * joiner not yet in the membership it knows reports the role it was created for.
   */
  get memberRole(): MemberRole {
    const cs = this.rawNode.confState();
    const id = this.host.nodeId;
    if (cs.voters.includes(id)) return 'voter';
    if (cs.loggers.includes(id)) return 'logger';
    if (cs.learners.includes(id)) return 'learner';
    return this.isDataMember ? 'learner' : 'logger';
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The distribution-hash range this replica serves, [start, end). */
  get hashBounds(): HashBounds {
    return this.bounds;
  }

  /** Stands for election now (a split's new group, founded on the parent's leader). */
  campaign(): void {
    if (this.closed) return;
    this.rawNode.campaign();
    this.host.requestCycle();
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
    // Early answer only: the check that counts is at apply (see the class comment).
    if (this.outOfRange(commands)) return Promise.reject(this.wrongSlice());
    let position: { index: number; term: number };
    try {
      position = this.rawNode.propose(encodeCommands(commands));
    } catch (error) {
      return Promise.reject(ReplicaError.fromUnknown(error, this.groupId));
    }
    return this.track(position);
  }

  /**
   * Proposes one membership change (single-server: add a voter, logger or learner, promote or
   * demote, remove) and resolves once its entry is applied on this node — Raft's membership
   * (`raftStatus().confState`) reflects it from the end of that cycle. Rejects like `propose`,
   * also with PROPOSAL_DROPPED (`confChangePending`, `invalidConfChange`).
   *
   * A member added to a running group starts empty and must receive a snapshot (its replica
   * is created with `bootstrap: false`); adding one makes every data member that applies the
   * change take a snapshot soon if it has none, so that whoever leads can send one.
   */
  changeMembership(change: ConfChange): Promise<void> {
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
    let position: { index: number; term: number };
    try {
      position = this.rawNode.proposeConfChange(change);
    } catch (error) {
      return Promise.reject(ReplicaError.fromUnknown(error, this.groupId));
    }
    this.noteConfChange();
    return this.track(position).then(() => undefined);
  }

  /**
   * Proposes splitting this group's slice at hash `at`: keys hashing to [at, end) move to a
   * new group `newGroupId` (MVCC space `newSpaceId`) founded by the current members, the same
   * ranking node preferred. Resolves once the split applied on this node (the new group's
   * replica then exists here when this node is a member). Rejects like `propose`, with
   * INVALID_COMMAND when `at` is not strictly inside the range, and with WRONG_SLICE when
   * another split narrowed the range before this one applied (nothing happened then).
   */
  proposeSplit(
    at: bigint,
    newGroupId: number,
    newSpaceId: number,
    hasher: KeyHasherSpec = this.hasher,
  ): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    const { start, end } = this.bounds;
    // A range already narrowed is in its hasher's terms: later splits must use the same one.
    const narrowed = this.bounds !== WHOLE_HASH_SPACE;
    if (
      (narrowed && !sameHasher(hasher, this.hasher)) ||
      this.host.resolveHasher(hasher) === undefined
    ) {
      return Promise.reject(
        new ReplicaError(
          'INVALID_COMMAND',
          `group ${this.groupId}: key hasher '${hasher.name}' is unknown here or not this range's`,
          { groupId: this.groupId },
        ),
      );
    }
    const ids = [newGroupId, newSpaceId];
    if (
      at <= start ||
      at >= end ||
      ids.some((id) => !Number.isInteger(id) || id < 1 || id > 0xffffffff)
    ) {
      return Promise.reject(
        new ReplicaError(
          'INVALID_COMMAND',
          `group ${this.groupId}: split at ${at} into group ${newGroupId} / space ${newSpaceId} ` +
            `is not inside [${start}, ${end}) with u32 ids`,
          { groupId: this.groupId },
        ),
      );
    }
    const order: SplitOrder = {
      at,
      newGroupId,
      newSpaceId,
      members: membersOf(this.rawNode.confState()),
      rankingNode: this.currentRecord.rankingNode ?? 0,
      hasher,
    };
    let position: { index: number; term: number };
    try {
      position = this.rawNode.propose(encodeSplit(order));
    } catch (error) {
      return Promise.reject(ReplicaError.fromUnknown(error, this.groupId));
    }
    return this.track(position).then(() => undefined);
  }

  private track(position: { index: number; term: number }): Promise<readonly CommandResult[]> {
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
    return this.serveRead(() => {
      this.assertOwns(key);
      return this.host.mvcc.get(this.spaceId, key, readTs);
    }, options);
  }

  /** Like `read`, over user keys in [startKey, endKey) (undefined = open). */
  scan(
    readTs: number,
    startKey: Uint8Array | undefined,
    endKey: Uint8Array | undefined,
    options: ScanOptions & ReadOptions & ScanRouting,
  ): Promise<ScanResult> {
    const { expectBounds, readIndexFallback, ...scanOptions } = options;
    return this.serveRead(
      () => {
        if (expectBounds !== undefined && !this.covers(expectBounds)) throw this.wrongSlice();
        return this.host.mvcc.scan(this.spaceId, startKey, endKey, readTs, scanOptions);
      },
      readIndexFallback === undefined ? {} : { readIndexFallback },
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
    return this.serveRead(() => {
      this.assertOwns(primary);
      return this.host.mvcc.checkTxnStatus(this.spaceId, primary, startTs);
    }, options);
  }

  /**
   * The few fields of `status()` an overview of every replica needs, without its cost (no Raft
   * status copy, lease, progress or sizes): the console's overview reads them for each replica
   * of each node twice a second.
   */
  brief(): ReplicaBrief {
    const lead = this.rawNode.leadership();
    const space = this.isDataMember ? this.host.mvcc.spaceInfo(this.spaceId) : undefined;
    return {
      groupId: this.groupId,
      raftRole: lead.role,
      applied: this.appliedIndex,
      appliedCommitTs: space?.maxCommitTs ?? 0,
    };
  }

  status(): ReplicaStatus {
    const st = this.rawNode.status();
    const now = this.host.clock.now();
    const lead = this.rawNode.leadership();
    const expiresAtMs = st.role === 'leader' ? this.leaseExpiry(lead, now) : undefined;
    const lastIndex = st.lastIndex;
    const space = this.isDataMember ? this.host.mvcc.spaceInfo(this.spaceId) : undefined;
    return {
      groupId: this.groupId,
      spaceId: this.spaceId,
      memberRole: this.memberRole,
      raftRole: st.role,
      term: st.term,
      leader: st.leader,
      commit: st.commit,
      applied: this.appliedIndex,
      appliedCommitTs: space?.maxCommitTs ?? 0,
      records: space?.approxRecords ?? 0,
      bytes: space?.approxBytes ?? 0,
      reads: this.readsServed,
      writes: this.commandsApplied,
      lastIndex,
      persistedIndex: st.persistedIndex,
      lease: {
        // A leader that asked for a transfer gave its lease up for the term.
        held: expiresAtMs !== undefined && now < expiresAtMs && this.transferTerm !== st.term,
        expiresAtMs,
        gap: st.role === 'leader' ? this.leaseGap(lead, now) : undefined,
      },
      pendingProposals: this.pending.size,
      snapshotIndex: this.snapshotIndex,
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
    if (this.closed) return;
    this.rawNode.tick();
    if (++this.ticksSinceHandoffCheck >= this.host.options.electionTicks) {
      this.ticksSinceHandoffCheck = 0;
      this.maybeHandToRankingReplica();
    }
  }

  /** The member that should lead (the slice's ranking replica), if any. */
  get rankingNode(): NodeId | undefined {
    return this.currentRecord.rankingNode;
  }

  /**
   * Changes which member should lead (the control plane re-ranked the slice): from the next
   * hand-off check on, a leader that is not `nodeId` hands leadership to it once it is caught
   * up. Kept in the replica record, rewritten by the node's next cycle (not forced to disk: a
   * crash that loses it brings back the old preference until the node agent, which compares
   * every replica with the slice map, sets it again).
   */
  setRankingNode(nodeId: NodeId | undefined): void {
    if (this.closed || nodeId === this.currentRecord.rankingNode) return;
    const { rankingNode: _, ...rest } = this.currentRecord;
    this.currentRecord = nodeId === undefined ? rest : { ...rest, rankingNode: nodeId };
    this.handoffFailures = 0; // a new target gets its first try at once
    this.handoffChecksToSkip = 0;
    this.handoffAttempt = undefined;
    this.host.recordChanged(this);
  }

  /**
   * The leader is the slice's ranking replica (Xpand): a leader that is not hands leadership
   * to it once it is a live voter that has everything committed. Checked once per election
   * timeout, so a ranking replica that cannot take over is not retried in a loop. Raft drops
   * proposals while the transfer runs (they are retried) and abandons it after an election
   * timeout; leases stop for the rest of the term (see `transferTerm`).
   *
   * A hand-off that left this member leading (the target looked caught up by its last
   * acknowledgements but never took over: its node restarted on an empty disk, or it is cut
   * off) is retried after 1, 2, 4 … up to `handoffBackoffMaxExponent`² checks: retried every
   * timeout, the transfers would drop every proposal of the slice for as long as it lasts.
   */
  private maybeHandToRankingReplica(): void {
    const target = this.currentRecord.rankingNode;
    if (target === undefined || target === this.host.nodeId || !this.isDataMember) return;
    const st = this.rawNode.status();
    const attempt = this.handoffAttempt;
    if (attempt !== undefined && st.leadTransferee === 0) {
      this.handoffAttempt = undefined;
      const stillLeading = st.role === 'leader' && st.term === attempt.term;
      if (stillLeading && attempt.target === target) {
        this.handoffFailures = Math.min(this.handoffFailures + 1, handoffBackoffMaxExponent);
        this.handoffChecksToSkip = 2 ** this.handoffFailures - 1;
      } else {
        this.handoffFailures = 0;
      }
    }
    if (this.handoffChecksToSkip > 0) {
      this.handoffChecksToSkip--;
      return;
    }
    if (st.role !== 'leader' || st.leadTransferee !== 0 || this.appliedTerm !== st.term) return;
    if (!st.confState.voters.includes(target)) return;
    const pr = st.progress?.get(target);
    // Replicating and holding everything committed (recentActive is no use here: check-quorum
    // clears it every election timeout, in step with this check).
    if (pr === undefined || pr.state !== 'replicate' || pr.match < st.commit) return;
    this.transferTerm = st.term;
    this.handoffAttempt = { term: st.term, target };
    this.rawNode.transferLeadership(target);
    this.host.requestCycle();
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
    if (ready.snapshot !== undefined) this.installSnapshot(batch, ready.snapshot);
    else this.maybeCompact(batch);
    persistReady(batch, this.host.raftLog, this.groupId, ready);
    const applied: AppliedEntry[] = [];
    for (const entry of ready.committedEntries) {
      if (entry.index <= this.appliedIndex) continue;
      invariant(entry.index === this.appliedIndex + 1, () => {
        return `group ${this.groupId}: entry ${entry.index} after applied ${this.appliedIndex}`;
      });
      let results: readonly CommandResult[] = [];
      let refusal: ReplicaError | undefined;
      const split = entry.type === 'normal' ? splitOrderOf(entry.data) : undefined;
      if (split !== undefined) {
        refusal = this.applySplit(batch, entry, split);
      } else if (this.isDataMember) {
        const commands = entry.type === 'normal' ? decodeCommands(entry.data) : [];
        // A key outside the range (a split moved it since the proposal): the whole entry is a
        // no-op on every member alike, and its proposal fails.
        const refused = this.outOfRange(commands);
        if (refused) refusal = this.wrongSlice();
        results = this.applyCommands(batch, entry, refused ? [] : commands);
        if (refused) results = [];
        this.commandsApplied += refused ? 0 : commands.length;
      }
      if (entry.type === 'confChange') this.noteConfChange();
      this.appliedIndex = entry.index;
      this.appliedTerm = entry.term;
      applied.push({
        index: entry.index,
        term: entry.term,
        results,
        ...(refusal === undefined ? {} : { refusal }),
      });
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
        if (p.term !== entry.term) p.reject(this.overwritten(entry.index, p.term));
        else if (entry.refusal !== undefined) p.reject(entry.refusal);
        else p.resolve(entry.results);
      });
    }
  }

  /**
   * After the batch is durable: Raft sees the new state, confirmed ReadIndex reads are served
   * up to the applied index, the Ready advances. (Proposals settled earlier: settleApplied.)
   */
  finishReady(ready: Ready): void {
    mirrorReady(this.storage, ready);
    if (ready.snapshot !== undefined) {
      const { index } = ready.snapshot.metadata;
      this.snapshotIndex = index;
      // No committed entries come with a snapshot, so the space is still exactly at it.
      this.replaceSource(this.isDataMember ? this.pinSpace(index) : undefined);
      if (this.isDataMember && this.snapshotSource === undefined) this.wantSnapshot = true;
    }
    const compaction = this.pendingCompaction;
    if (compaction !== undefined) {
      this.pendingCompaction = undefined;
      this.storage.createSnapshot(compaction.index, compaction.confState, NO_SNAPSHOT_DATA);
      this.storage.compact(compaction.index);
      this.snapshotIndex = compaction.index;
      this.replaceSource(compaction.source);
    }
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

  /**
   * The Ready's messages as they may leave: a snapshot message gets the space's data (see
   * SnapshotSource), or is dropped when this member has none for its current snapshot. Raft
   * hears at once that it was sent (or not): the transport is fire-and-forget, and a lost
   * snapshot shows up as a follower still lagging at the next probe.
   */
  outgoing(ready: Ready): Message[] {
    const out: Message[] = [];
    for (const message of ready.messages) {
      if (message.type !== 'snapshot') {
        out.push(message);
        continue;
      }
      const filled = this.fillSnapshot(message);
      this.rawNode.reportSnapshot(message.to, filled !== undefined);
      if (filled !== undefined) out.push(filled);
    }
    return out;
  }

  /** Abandons pending proposals (ambiguous outcome) and stops taking part. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.replaceSource(undefined);
    this.pendingCompaction?.source.release();
    this.pendingCompaction = undefined;
    this.reads.failAll(this.closedError());
    for (const index of [...this.pending.keys()]) {
      this.settle(index, (p) => {
        p.reject(this.closedError());
      });
    }
  }

  // ---- internals: splits -----------------------------------------------------------------

  private applyCommands(
    batch: WriteBatch,
    entry: { readonly index: number; readonly term: number },
    commands: readonly MvccCommand[],
  ): readonly CommandResult[] {
    const r = this.host.mvcc.apply(batch, this.spaceId, {
      index: entry.index,
      term: entry.term,
      commands,
    });
    invariant(r.kind === 'applied', () => `space ${this.spaceId} vanished`);
    return r.results;
  }

  /**
   * Applies a split order (see the class comment). Deterministic in everything the group
   * shares — the parent's space and range after the entry — on every member alike; only
   * whether this node founds the new group depends on what the node holds (it may have
   * joined the new group by snapshot already, or be restarting a logger's replay).
   * Returns the refusal when the order no longer fits the range (a split raced it).
   */
  private applySplit(
    batch: WriteBatch,
    entry: { readonly index: number; readonly term: number },
    order: SplitOrder,
  ): ReplicaError | undefined {
    const { start, end } = this.bounds;
    const narrowed = this.bounds !== WHOLE_HASH_SPACE;
    if (
      order.at <= start ||
      order.at >= end ||
      (narrowed && !sameHasher(order.hasher, this.hasher))
    ) {
      if (this.isDataMember) this.applyCommands(batch, entry, []);
      return this.wrongSlice();
    }
    // Every member runs the same software: a hasher the leader knew is known here.
    const hash = this.mustResolve(order.hasher);
    const self = order.members.find((m) => m.nodeId === this.host.nodeId);
    // A logger of the parent has no data to found a data member with.
    const role =
      self === undefined || (!this.isDataMember && self.role !== 'logger') ? undefined : self.role;
    const found =
      role !== undefined && this.host.canFoundSplitGroup(order.newGroupId, order.newSpaceId);
    const childHoldsData = found && role !== 'logger';
    if (this.isDataMember) {
      const r = this.host.mvcc.splitSpace(batch, {
        from: this.spaceId,
        to: childHoldsData ? order.newSpaceId : undefined,
        movesKey: (key) => hash(key) >= order.at,
        entry,
        start: SPLIT_START,
      });
      invariant(r.kind === 'split', () => `group ${this.groupId}: split failed: ${r.kind}`);
    }
    this.bounds = { start, end: order.at };
    this.hasher = order.hasher;
    this.hash = hash;
    this.currentRecord = withHasher(withHashBounds(this.currentRecord, this.bounds), this.hasher);
    putReplicaRecord(batch, this.currentRecord);
    if (found) {
      const leading = this.rawNode.leadership().role === 'leader' && role !== 'logger';
      this.host.foundSplitGroup(
        batch,
        {
          groupId: order.newGroupId,
          spaceId: childHoldsData ? order.newSpaceId : 0,
          dataMember: childHoldsData,
          members: order.members,
          ...(order.rankingNode === 0 ? {} : { rankingNode: order.rankingNode }),
          hashRange: { start: order.at.toString(), end: end.toString() },
          hasher: { name: order.hasher.name, params: hex(order.hasher.params) },
        },
        leading,
      );
    }
    return undefined;
  }

  /** Whether any keyed command names a key outside this replica's range. */
  private outOfRange(commands: readonly MvccCommand[]): boolean {
    if (this.bounds === WHOLE_HASH_SPACE) return false;
    return commands.some((c) => c.kind !== 'gc' && !this.owns(c.key));
  }

  private owns(key: Uint8Array): boolean {
    if (this.bounds === WHOLE_HASH_SPACE) return true;
    const hash = this.hash(key);
    return hash >= this.bounds.start && hash < this.bounds.end;
  }

  private mustResolve(spec: KeyHasherSpec): (key: Uint8Array) => bigint {
    const fn = this.host.resolveHasher(spec);
    invariant(fn !== undefined, () => `group ${this.groupId}: key hasher '${spec.name}' unknown`);
    return fn;
  }

  private covers(expected: HashBounds): boolean {
    return this.bounds.start <= expected.start && expected.end <= this.bounds.end;
  }

  private assertOwns(key: Uint8Array): void {
    if (!this.owns(key)) throw this.wrongSlice();
  }

  private wrongSlice(): ReplicaError {
    const { start, end } = this.bounds;
    return new ReplicaError(
      'WRONG_SLICE',
      `group ${this.groupId} serves hashes [${start}, ${end}) only: a split moved the rest`,
      { groupId: this.groupId },
    );
  }

  // ---- internals: snapshots --------------------------------------------------------------

  /** Compacts the log behind the applied state when due (see the class comment). */
  private maybeCompact(batch: WriteBatch): void {
    if (!this.isDataMember || this.pendingCompaction !== undefined) return;
    const since = this.appliedIndex - this.snapshotIndex;
    const due = since >= this.host.options.snapshotEveryEntries;
    if (!due && !(this.wantSnapshot && since > 0)) return;
    // Raft's membership is as of its applied index: it must be the space's (after a restart
    // Raft first re-hands entries the space already holds).
    if (this.rawNode.status().applied !== this.appliedIndex) return;
    const index = this.appliedIndex;
    // Between cycles the visible space is exactly the applied one: this batch is not committed.
    const source = this.pinSpace(index);
    invariant(source !== undefined, () => `space ${this.spaceId} is not at ${index}`);
    const confState = this.rawNode.confState();
    this.host.raftLog.compactPrefix(batch, this.groupId, index);
    this.currentRecord = { ...this.currentRecord, members: membersOf(confState) };
    putReplicaRecord(batch, this.currentRecord);
    this.pendingCompaction = { index, confState, source };
    this.wantSnapshot = false;
  }

  /** Step 1 and 3 of a received snapshot, into the batch (the log part is persistReady's). */
  private installSnapshot(batch: WriteBatch, snapshot: Snapshot): void {
    const { index, term, confState } = snapshot.metadata;
    invariant(index > this.appliedIndex, () => {
      return `group ${this.groupId}: snapshot at ${index} not past applied ${this.appliedIndex}`;
    });
    if (this.isDataMember) {
      const { header, bounds, hasher, chunks } = decodeSpaceSnapshot(snapshot.data);
      this.hash = this.mustResolve(hasher);
      this.hasher = hasher;
      this.bounds =
        bounds.start === 0n && bounds.end === WHOLE_HASH_SPACE.end ? WHOLE_HASH_SPACE : bounds;
      invariant(
        header.appliedIndex === index && header.appliedTerm === term,
        () =>
          `group ${this.groupId}: snapshot ${index}/${term} holds a space at ${header.appliedIndex}/${header.appliedTerm}`,
      );
      const mvcc = this.host.mvcc;
      mvcc.beginImport(batch, this.spaceId);
      for (const chunk of chunks) this.expectImported(mvcc.importChunk(batch, this.spaceId, chunk));
      this.expectImported(mvcc.finishImport(batch, this.spaceId, header));
    }
    this.currentRecord = { ...this.currentRecord, members: membersOf(confState) };
    if (this.bounds !== WHOLE_HASH_SPACE) {
      this.currentRecord = withHasher(withHashBounds(this.currentRecord, this.bounds), this.hasher);
    }
    putReplicaRecord(batch, this.currentRecord);
    this.pendingCompaction?.source.release();
    this.pendingCompaction = undefined;
    this.appliedIndex = index;
    this.appliedTerm = term;
    // Proposals at or below the snapshot (we led once) have an unknown fate: they time out.
  }

  private expectImported(result: ImportResult): void {
    invariant(result.kind === 'ok', () => {
      return `group ${this.groupId}: snapshot import failed: ${JSON.stringify(result)}`;
    });
  }

  private fillSnapshot(message: SnapshotMessage): SnapshotMessage | undefined {
    const current = this.storage.snapshot().metadata;
    const source = this.snapshotSource;
    if (source?.index !== current.index || current.index < message.snapshot.metadata.index) {
      if (this.isDataMember) this.wantSnapshot = true;
      return undefined;
    }
    // Our snapshot may be newer than the one Raft picked (a compaction since): send that one.
    return { ...message, snapshot: { metadata: current, data: source.data() } };
  }

  /** Pins an export of the space if it is exactly at `index`. */
  private pinSpace(index: number): SnapshotSource | undefined {
    const exported = this.host.mvcc.exportSpace(this.spaceId);
    if (exported === undefined) return undefined;
    if (exported.header.appliedIndex !== index) {
      exported.release();
      return undefined;
    }
    return new SnapshotSource(index, exported, this.bounds, this.hasher);
  }

  private replaceSource(source: SnapshotSource | undefined): void {
    if (this.snapshotSource !== source) this.snapshotSource?.release();
    this.snapshotSource = source;
  }

  /**
   * A membership change was proposed or applied here: a member added to a running group can
   * start only from a snapshot (Raft never replays a log from index 1 to a joiner), so make
   * sure this member has one to send should it lead.
   */
  private noteConfChange(): void {
    if (this.isDataMember && (this.snapshotIndex === 0 || this.snapshotSource === undefined))
      this.wantSnapshot = true;
  }

  // ---- internals -------------------------------------------------------------------------

  private serveRead<T>(read: () => T, options: ReadOptions): Promise<T> {
    this.readsServed++;
    try {
      this.checkLeaseRead();
      return Promise.resolve(this.host.busy(read));
    } catch (thrown) {
      const error = ReplicaError.fromUnknown(thrown, this.groupId);
      // After asking for a transfer the lease is gone for the term, possibly for good (an
      // abandoned transfer leaves us leading): confirm leadership by ReadIndex instead.
      const fallback = options.readIndexFallback === true || error.leaseGap === 'transferring';
      if (error.code !== 'LEASE_UNAVAILABLE' || !fallback) return Promise.reject(error);
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
            resolve(this.host.busy(read));
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
    const st = this.rawNode.leadership();
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
  private leaseGap(st: Pick<Leadership, 'term' | 'quorum'>, nowMs: number): LeaseGap | undefined {
    const expires = this.leaseExpiry(st, nowMs);
    const planted = this.host.options.testingKnobs.leaseReadsWithoutQuorum === true;
    if (!planted && (expires === undefined || nowMs >= expires)) return 'noQuorumContact';
    if (this.appliedTerm !== st.term) return 'noCommitInTerm';
    if (this.transferTerm === st.term) return 'transferring';
    return undefined;
  }

  private leaseExpiry(st: Pick<Leadership, 'term' | 'quorum'>, nowMs: number): number | undefined {
    this.lease.resetForTerm(st.term);
    return this.lease.expiresAtMs(this.host.nodeId, st.quorum, nowMs);
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
