import { EMPTY_CONF_STATE, MemoryRaftStorage } from '@tessera/raft';
import { MvccStore, RaftLogStore } from '@tessera/storage';
import type { KvEngine, ScanProcessor, WriteBatch } from '@tessera/storage';
import type { Clock, TimerHandle } from '../runtime/clock';
import type { Rng } from '../runtime/rng';
import type { NodeId, Transport } from '../runtime/transport';
import { ReplicaError, invariant } from './errors';
import type { NodeMessage } from './node-message';
import { Outbox } from './node-message';
import type { DataNodeOptions, ResolvedDataNodeOptions } from './options';
import { resolveOptions } from './options';
import { KeyHashers } from './key-hashers';
import type { KeyHasherFactory } from './key-hashers';
import { confStateOf, foundSplitGroup, loadRaftStorage } from './raft-state';
import {
  deleteReplicaRecord,
  isDataRecord,
  loadReplicaRecords,
  putReplicaRecord,
} from './replica-registry';
import type { ReplicaMember, ReplicaRecord } from './replica-registry';
import { runReadyCycle } from './ready-cycle';
import type { CycleHost } from './ready-cycle';
import { SliceReplica } from './slice-replica';
import type { ReplicaHost } from './slice-replica';
import type { NodeMetrics, NodeStatus, ReplicaBrief } from './status';

export interface DataNodeDeps {
  readonly nodeId: NodeId;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly transport: Transport<NodeMessage>;
  /** The node's one engine. The node never closes it: its owner does, after close(). */
  readonly engine: KvEngine;
  readonly options?: DataNodeOptions;
  /**
   * The scan processors this node runs scan programs with, by name (e.g. 'sql'); a scan
   * naming another answers `programRefused`. None by default.
   */
  readonly scanProcessors?: ReadonlyMap<string, ScanProcessor>;
  /**
   * Key hashers by name, besides the built-in `wholeKey` (key-hashers.ts): how split orders
   * name the rule their keys are routed by. Every node of a cluster must register the same.
   */
  readonly keyHashers?: ReadonlyMap<string, KeyHasherFactory>;
}

export interface CreateReplicaSpec {
  readonly groupId: number;
  /** MVCC space to apply to (ignored when this node is the group's logger). */
  readonly spaceId: number;
  /**
   * Every member of the group, this node included. When joining, only this node's own entry
   * counts (learner or voter: a data member; logger: log only); the membership comes with the
   * leader's snapshot.
   */
  readonly members: readonly ReplicaMember[];
  /**
   * True for the founding members of a new group: each starts with `members` as its
   * membership. False to join a running group: the replica starts with an empty log and no
   * membership, and waits for the leader's snapshot — after the leader added this node
   * (`SliceReplica.changeMembership`, e.g. `addLearner`, then `addVoter` to promote it).
   */
  readonly bootstrap: boolean;
  /** The slice's ranking replica: the member that should lead (see SliceReplica.tick). */
  readonly rankingNode?: NodeId;
}

interface PendingRemoval {
  readonly replica: SliceReplica;
  readonly resolve: () => void;
}

/**
 * A data node: hosts many slice replicas (one Raft group each) over one storage engine, and
 * runs them together — one tick timer, one coalesced transport message per peer per cycle,
 * one durable commit per cycle for all groups (see ready-cycle.ts and README.md).
 *
 * Constructing a DataNode over an engine that already holds replicas recovers them; each then
 * re-applies exactly its committed-but-unapplied suffix. Single-threaded: all entry points
 * (transport handler, timers, API calls) run on the caller's event loop, never re-entrantly.
 */
export class DataNode {
  readonly nodeId: NodeId;
  readonly options: ResolvedDataNodeOptions;
  readonly metrics: NodeMetrics = {
    cycles: 0,
    engineCommits: 0,
    syncedCommits: 0,
    readies: 0,
    entriesApplied: 0,
    transportMessages: 0,
    raftMessages: 0,
    snapshotsSent: 0,
    snapshotsInstalled: 0,
    unknownGroupMessages: 0,
    busyMs: 0,
  };
  private readonly clock: Clock;
  private readonly rng: Rng;
  private readonly transport: Transport<NodeMessage>;
  private readonly engine: KvEngine;
  private readonly mvcc: MvccStore;
  private readonly raftLog: RaftLogStore;
  private readonly replicas = new Map<number, SliceReplica>();
  private readonly outbox = new Outbox();
  private removals: PendingRemoval[] = [];
  /** Created replicas whose record and space the next cycle writes (before any Ready). */
  private registrations: SliceReplica[] = [];
  /** Replicas whose record changed outside a Ready (a new ranking node): the next cycle writes it. */
  private readonly recordRewrites = new Set<SliceReplica>();
  private tickTimer: TimerHandle | undefined;
  private cycleQueued = false;
  private cycleRunning = false;
  /** Where the next cycle starts looking for Readies (fairness under the per-cycle bound). */
  private rotation = 0;
  private closed = false;
  private fatal: Error | undefined;
  private readonly voteQuietUntilMs: number;
  private readonly keyHashers: KeyHashers;

  constructor(deps: DataNodeDeps) {
    this.nodeId = deps.nodeId;
    this.clock = deps.clock;
    this.rng = deps.rng;
    this.transport = deps.transport;
    this.engine = deps.engine;
    this.options = resolveOptions(deps.options);
    this.voteQuietUntilMs = deps.clock.now() + this.options.electionTimeoutMs;
    this.keyHashers = new KeyHashers(deps.keyHashers);
    this.mvcc = new MvccStore(deps.engine, { scanProcessors: deps.scanProcessors });
    this.raftLog = new RaftLogStore(deps.engine);
    invariant(deps.transport.self === deps.nodeId, 'transport belongs to another node');
    for (const record of loadReplicaRecords(deps.engine)) this.recover(record);
    this.transport.onMessage((from, message) => {
      this.guard(() => {
        this.onMessage(from, message);
      });
    });
    this.armTick();
    this.requestCycle();
  }

  // ---- replicas --------------------------------------------------------------------------

  /**
   * Starts hosting a replica. Its record and MVCC space are written in the next cycle's batch,
   * before any of its Raft state; `replica.whenDurable()` resolves once that batch is durable
   * (the create is then acknowledged: a restart recovers the replica).
   */
  createReplica(spec: CreateReplicaSpec): SliceReplica {
    this.assertOpen();
    // Raft state on disk without a registry record would be a bug elsewhere; never build a
    // fresh replica over it (it would vote and append as if it had promised nothing).
    const busy =
      this.replicas.has(spec.groupId) ||
      this.removals.some((r) => r.replica.groupId === spec.groupId) ||
      this.raftLog.lastIndex(spec.groupId) > 0 ||
      this.raftLog.hardState(spec.groupId).term > 0;
    if (busy) {
      throw new ReplicaError('REPLICA_EXISTS', `group ${spec.groupId} already on ${this.nodeId}`, {
        groupId: spec.groupId,
      });
    }
    const self = spec.members.find((m) => m.nodeId === this.nodeId);
    if (self === undefined) throw new RangeError(`node ${this.nodeId} is not in the members`);
    const isData = self.role !== 'logger';
    const spaceId = isData ? spec.spaceId : 0;
    if (isData) {
      const taken =
        this.mvcc.spaceInfo(spaceId) !== undefined ||
        [...this.replicas.values()].some((r) => r.isDataMember && r.spaceId === spaceId);
      if (taken) {
        throw new ReplicaError('REPLICA_EXISTS', `space ${spaceId} already on ${this.nodeId}`, {
          groupId: spec.groupId,
        });
      }
    }
    // The record's membership is as of the log start: the founders' for a new group, none yet
    // for a joiner (its snapshot brings it).
    const record: ReplicaRecord = {
      groupId: spec.groupId,
      spaceId,
      dataMember: isData,
      members: spec.bootstrap ? [...spec.members] : [],
      ...(spec.rankingNode === undefined ? {} : { rankingNode: spec.rankingNode }),
    };
    const replica = new SliceReplica(this.replicaHost(), {
      record,
      storage: new MemoryRaftStorage(
        spec.bootstrap ? confStateOf(record.members) : EMPTY_CONF_STATE,
      ),
      rng: this.rng.fork(),
      recovered: false,
      appliedIndex: 0,
      appliedTerm: 0,
    });
    this.replicas.set(spec.groupId, replica);
    this.registrations.push(replica);
    this.requestCycle();
    return replica;
  }

  /**
   * Stops hosting a replica: pending proposals reject (REPLICA_CLOSED), and its record, Raft
   * state and MVCC space are deleted in one batch; resolves once that batch is durable.
   */
  removeReplica(groupId: number): Promise<void> {
    const replica = this.replicas.get(groupId);
    if (this.closed || replica === undefined) {
      return Promise.reject(
        new ReplicaError('NO_SUCH_REPLICA', `group ${groupId} not on node ${this.nodeId}`, {
          groupId,
        }),
      );
    }
    this.replicas.delete(groupId);
    replica.close();
    return new Promise((resolve) => {
      this.removals.push({ replica, resolve });
      this.requestCycle();
    });
  }

  replica(groupId: number): SliceReplica | undefined {
    return this.replicas.get(groupId);
  }

  groupIds(): number[] {
    return [...this.replicas.keys()];
  }

  status(): NodeStatus {
    return {
      nodeId: this.nodeId,
      closed: this.closed,
      fatalError: this.fatal,
      replicas: [...this.replicas.values()].map((r) => r.status()),
      metrics: { ...this.metrics },
    };
  }

  /** Every replica's role and position, at a fraction of `status()`'s cost (see `brief`). */
  replicaBriefs(): ReplicaBrief[] {
    return [...this.replicas.values()].map((r) => r.brief());
  }

  /** The error that stopped this node (a broken invariant), if any. */
  get fatalError(): Error | undefined {
    return this.fatal;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Stops the node at once: no more ticks, messages or cycles; pending proposals reject with
   * REPLICA_CLOSED. A cycle waiting on the disk is abandoned (it never sends or advances), so
   * closing and then crashing the engine models a process kill. The engine stays open.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.tickTimer?.cancel();
    this.transport.close();
    for (const replica of this.replicas.values()) replica.close();
    for (const removal of this.removals) removal.resolve();
    this.removals = [];
  }

  // ---- internals -------------------------------------------------------------------------

  private recover(record: ReplicaRecord): void {
    const isData = isDataRecord(record, this.nodeId);
    const space = isData ? this.mvcc.spaceInfo(record.spaceId) : undefined;
    invariant(!isData || space !== undefined, () => `space ${record.spaceId} lost`);
    const storage = loadRaftStorage(this.raftLog, record.groupId, confStateOf(record.members));
    const replica = new SliceReplica(this.replicaHost(), {
      record,
      storage,
      rng: this.rng.fork(),
      recovered: true,
      appliedIndex: space?.appliedIndex ?? 0,
      appliedTerm: space?.appliedTerm ?? 0,
    });
    this.replicas.set(record.groupId, replica);
  }

  private replicaHost(): ReplicaHost {
    return {
      nodeId: this.nodeId,
      clock: this.clock,
      mvcc: this.mvcc,
      raftLog: this.raftLog,
      options: this.options,
      voteQuietUntilMs: this.voteQuietUntilMs,
      requestCycle: () => {
        this.requestCycle();
      },
      recordChanged: (replica) => {
        this.recordRewrites.add(replica);
        this.requestCycle();
      },
      resolveHasher: (spec) => this.keyHashers.resolve(spec),
      busy: (work) => this.busy(work),
      canFoundSplitGroup: (groupId, spaceId) => this.canFoundSplitGroup(groupId, spaceId),
      foundSplitGroup: (batch, record, campaign) => {
        this.foundSplitGroup(batch, record, campaign);
      },
    };
  }

  /**
   * Whether a split may found `groupId` here: nothing of it is hosted, being created or
   * removed, and its space is free. Otherwise this node already joined the new group (by
   * snapshot, from the map) or a logger is replaying the split after a restart.
   */
  private canFoundSplitGroup(groupId: number, spaceId: number): boolean {
    return (
      !this.replicas.has(groupId) &&
      !this.removals.some((r) => r.replica.groupId === groupId) &&
      this.raftLog.lastIndex(groupId) === 0 &&
      this.raftLog.hardState(groupId).term === 0 &&
      this.mvcc.spaceInfo(spaceId) === undefined &&
      ![...this.replicas.values()].some((r) => r.isDataMember && r.spaceId === spaceId)
    );
  }

  /**
   * The new group of a split, founded in the batch of the parent's split apply (its MVCC space
   * is in that batch already): record and Raft state at SPLIT_START, so a restart recovers it
   * exactly when the batch was durable — together with the parent's applied index.
   */
  private foundSplitGroup(batch: WriteBatch, record: ReplicaRecord, campaign: boolean): void {
    putReplicaRecord(batch, record);
    const storage = foundSplitGroup(
      batch,
      this.raftLog,
      record.groupId,
      confStateOf(record.members),
    );
    const replica = new SliceReplica(this.replicaHost(), {
      record,
      storage,
      rng: this.rng.fork(),
      recovered: true,
      appliedIndex: storage.snapshot().metadata.index,
      appliedTerm: storage.snapshot().metadata.term,
    });
    this.replicas.set(record.groupId, replica);
    if (campaign) replica.campaign();
    this.requestCycle();
  }

  private onMessage(from: NodeId, message: NodeMessage): void {
    if (this.closed) return;
    for (const ack of message.leaseAcks) this.replicas.get(ack.groupId)?.onLeaseAck(from, ack);
    for (const { groupId, messages } of message.groups) {
      const replica = this.replicas.get(groupId);
      if (replica === undefined) {
        this.metrics.unknownGroupMessages += messages.length;
        continue;
      }
      for (const m of messages) {
        // Misrouted or forged: Raft asserts on ids, so filter before stepping.
        if (m.to !== this.nodeId || m.from !== from) continue;
        const ack = replica.step(m, message.sentAtMs);
        if (ack !== undefined) this.outbox.addLeaseAck(from, ack);
      }
    }
    this.requestCycle();
  }

  private armTick(): void {
    this.tickTimer = this.clock.setTimer(this.options.tickIntervalMs, () => {
      this.guard(() => {
        if (this.closed) return;
        for (const replica of this.replicas.values()) replica.tick();
        this.requestCycle();
        this.armTick();
      });
    });
  }

  /** Coalesces every reason to run a cycle into one deferred cycle; never two at once. */
  private requestCycle(): void {
    if (this.closed || this.cycleQueued) return;
    this.cycleQueued = true;
    if (!this.cycleRunning)
      this.clock.defer(() => {
        this.startCycle();
      });
  }

  private startCycle(): void {
    if (this.closed) return;
    this.cycleQueued = false;
    if (!this.hasWork()) return;
    this.cycleRunning = true;
    runReadyCycle(this.cycleHost()).then(
      () => {
        this.cycleRunning = false;
        if (this.closed) return;
        if (this.cycleQueued || this.hasWork()) {
          this.cycleQueued = false;
          this.requestCycle();
        }
      },
      (error: unknown) => {
        this.die(error);
      },
    );
  }

  private hasWork(): boolean {
    if (this.removals.length > 0 || this.registrations.length > 0) return true;
    if (this.recordRewrites.size > 0) return true;
    for (const replica of this.replicas.values()) if (replica.hasReady()) return true;
    return false;
  }

  private cycleHost(): CycleHost {
    return {
      engine: this.engine,
      outbox: this.outbox,
      metrics: this.metrics,
      replicasWithReady: () => this.replicasWithReady(),
      writeNodeChanges: (batch) => [
        ...this.writeRegistrations(batch),
        ...this.writeRecordRewrites(batch),
        ...this.writeRemovals(batch),
      ],
      flushOutbox: () => {
        this.flushOutbox();
      },
      isClosed: () => this.closed,
      fail: (error) => {
        this.die(error);
      },
      busy: (work) => this.busy(work),
    };
  }

  /**
   * Runs synchronous data work (a read, a cycle's writes and applies) and adds its duration to
   * `metrics.busyMs`, by the clock's monotonic time when it has one (sub-millisecond on the
   * host; `now()` in the simulator, where synchronous work takes no time).
   */
  private busy<T>(work: () => T): T {
    const started = this.monotonicMs();
    try {
      return work();
    } finally {
      this.metrics.busyMs += this.monotonicMs() - started;
    }
  }

  private monotonicMs(): number {
    return this.clock.monotonicMs?.() ?? this.clock.now();
  }

  private replicasWithReady(): SliceReplica[] {
    const all = [...this.replicas.values()];
    const out: SliceReplica[] = [];
    const n = all.length;
    for (let i = 0; i < n && out.length < this.options.maxGroupsPerCycle; i++) {
      const replica = all[(this.rotation + i) % n];
      if (replica?.hasReady() === true) out.push(replica);
    }
    this.rotation = n === 0 ? 0 : (this.rotation + 1) % n;
    return out;
  }

  private writeRegistrations(batch: WriteBatch): (() => void)[] {
    const created = this.registrations.filter((r) => !r.isClosed); // removed before written
    this.registrations = [];
    return created.map((replica) => replica.writeRegistration(batch));
  }

  /**
   * Rewrites the records of replicas whose ranking node changed. Nothing waits on them (no
   * callback, so no forced sync): a later synced batch makes them durable, and a crash that
   * loses one only brings back the old preference. A closed replica is skipped: it is being
   * removed, and its record must stay deleted. Runs after this cycle's registrations, so every
   * open replica's record is in the batch already or earlier.
   */
  private writeRecordRewrites(batch: WriteBatch): (() => void)[] {
    for (const replica of this.recordRewrites) {
      if (!replica.isClosed) putReplicaRecord(batch, replica.record);
    }
    this.recordRewrites.clear();
    return [];
  }

  private writeRemovals(batch: WriteBatch): (() => void)[] {
    const removals = this.removals;
    this.removals = [];
    return removals.map(({ replica, resolve }) => {
      deleteReplicaRecord(batch, replica.groupId);
      this.raftLog.dropGroup(batch, replica.groupId);
      if (replica.isDataMember) this.mvcc.dropSpace(batch, replica.spaceId);
      return resolve;
    });
  }

  private flushOutbox(): void {
    if (this.closed) return;
    this.metrics.transportMessages += this.outbox.flush(this.clock.now(), (to, message) => {
      for (const g of message.groups) this.metrics.raftMessages += g.messages.length;
      this.transport.send(to, message);
    });
  }

  /** Runs an entry point; a broken invariant stops the node rather than limping on. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.die(error);
    }
  }

  private die(error: unknown): void {
    // After close (a deliberate stop or kill), late failures of abandoned work mean nothing.
    if (this.closed) return;
    if (this.fatal === undefined) {
      this.fatal = error instanceof Error ? error : new Error(String(error));
    }
    this.close();
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new ReplicaError('REPLICA_CLOSED', `node ${this.nodeId} is closed`);
    }
  }
}
