import { MemoryRaftStorage, RawNode, mayBeSentBeforePersist } from '@tessera/raft';
import type { ConfState, Message, RaftStatus, Ready, Snapshot } from '@tessera/raft';
import { RaftLogStore } from '@tessera/storage';
import type { KvEngine, WriteBatch } from '@tessera/storage';
import type { ZoneName } from '@tessera/placement';
import type { Clock, TimerHandle } from '../runtime/clock';
import type { Rng } from '../runtime/rng';
import type { NodeId, Transport } from '../runtime/transport';
import { ReplicaError, invariant } from '../node/errors';
import { LeaderLease } from '../node/lease';
import type { NodeMessage } from '../node/node-message';
import { Outbox } from '../node/node-message';
import { fromStorageEntry, toStorageEntry } from '../node/raft-state';
import {
  decodeControlCommand,
  decodeControlSnapshot,
  encodeControlCommand,
  encodeControlSnapshot,
} from './control-codec';
import { ControlState } from './control-state';
import type { ControlCommand, ControlResult, RegisteredNode } from './control-state';
import { loadAppliedControlState, putAppliedControlState } from './control-store';
import type { NodePositions, ReplicaPosition, ReplicaReport } from './control-protocol';
import {
  defaultBalanceByBytesMin,
  defaultMoveCooldownMs,
  defaultHotReadMinPerSec,
  defaultHotReadRatio,
  defaultMovesInFlightMax,
  defaultReplaceAfterMs,
  defaultReplacementsInFlightMax,
  defaultRerankIntervalMs,
  loadFromPositions,
  Rebalancer,
} from './rebalancer';
import { defaultSplitThresholdBytes } from './split-planner';
import { OracleUnavailableError, TimestampOracle } from './timestamp-oracle';
import type { TimestampBatch } from './timestamp-oracle';

/** The control plane's one Raft group, in every member's own engine. */
export const controlGroupId = 0;

export interface ControlMemberOptions {
  readonly tickIntervalMs?: number;
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  /** Subtracted from the lease, as on data nodes (default 250 ms). */
  readonly maxClockDriftMs?: number;
  /** A proposal with no outcome after this long rejects with PROPOSAL_TIMEOUT (ambiguous). */
  readonly proposalTimeoutMs?: number;
  /** Take a snapshot and compact the log once this many entries were applied since the last. */
  readonly snapshotEveryEntries?: number;
  /** How far ahead of the clock each replicated timestamp window reaches (default 3000 ms). */
  readonly tsoWindowMs?: number;
  /** A data node not heard from for this long is marked down (default 3000 ms). */
  readonly nodeDownAfterMs?: number;
  /**
   * How long after a node is marked down its slices get new ranking replicas (default 0: at
   * the leader's next tick). See rebalancer.ts.
   */
  readonly rerankAfterMs?: number;
  /**
   * How long after a node is marked down its slices' data replicas are replaced elsewhere
   * (default 10 s: see rebalancer.ts for why).
   */
  readonly replaceAfterMs?: number;
  /** At most this many replacements copy at once (default 4). */
  readonly replacementsInFlightMax?: number;
  /** At most this many moves (balance, drains) copy at once (default 2). */
  readonly movesInFlightMax?: number;
  /**
   * Hot-node re-rank: a node serving more than `hotReadRatio` × the mean reads/s (default
   * 1.5) and at least `hotReadMinPerSec` (default 50) hands rankings to cooler replicas, at
   * most once per `rerankIntervalMs` (default 10 s). See rebalancer-hot.ts.
   */
  readonly hotReadRatio?: number;
  readonly hotReadMinPerSec?: number;
  readonly rerankIntervalMs?: number;
  /** Balance by bytes from this mean per node (default 16 MiB), by copies below it. */
  readonly balanceByBytesMin?: number;
  /** A slice moved or replaced this recently is not moved for balance (default 10 s). */
  readonly moveCooldownMs?: number;
  /**
   * A slice whose largest copy reports more bytes splits in two by hash range (default
   * 512 MiB, `defaultSplitThresholdBytes`). See split-planner.ts.
   */
  readonly splitThresholdBytes?: number;
}

type ResolvedOptions = Required<ControlMemberOptions> & { readonly leaseDurationMs: number };

/** An option that must be a whole number ≥ `min` (a broken configuration: invariant). */
function wholeOption(name: string, value: number, min: number): number {
  invariant(
    Number.isSafeInteger(value) && value >= min,
    () => `${name} must be an integer ≥ ${min}`,
  );
  return value;
}

/** An option that must be a finite number ≥ `min`. */
function numberOption(name: string, value: number, min: number): number {
  invariant(Number.isFinite(value) && value >= min, () => `${name} must be a number ≥ ${min}`);
  return value;
}
function resolve(options: ControlMemberOptions = {}): ResolvedOptions {
  const o = {
    tickIntervalMs: options.tickIntervalMs ?? 50,
    electionTicks: options.electionTicks ?? 10,
    heartbeatTicks: options.heartbeatTicks ?? 1,
    maxClockDriftMs: options.maxClockDriftMs ?? 250,
    proposalTimeoutMs: options.proposalTimeoutMs ?? 10_000,
    snapshotEveryEntries: options.snapshotEveryEntries ?? 1_000,
    tsoWindowMs: options.tsoWindowMs ?? 3_000,
    nodeDownAfterMs: options.nodeDownAfterMs ?? 3_000,
  };
  for (const [name, value] of Object.entries(o)) {
    invariant(Number.isSafeInteger(value) && value >= 1, () => `${name} must be an integer ≥ 1`);
  }
  invariant(o.electionTicks > o.heartbeatTicks, 'electionTicks must exceed heartbeatTicks');
  const rerankAfterMs = wholeOption('rerankAfterMs', options.rerankAfterMs ?? 0, 0);
  const replaceAfterMs = wholeOption(
    'replaceAfterMs',
    options.replaceAfterMs ?? defaultReplaceAfterMs,
    0,
  );
  const replacementsInFlightMax = wholeOption(
    'replacementsInFlightMax',
    options.replacementsInFlightMax ?? defaultReplacementsInFlightMax,
    1,
  );
  const movesInFlightMax = wholeOption(
    'movesInFlightMax',
    options.movesInFlightMax ?? defaultMovesInFlightMax,
    1,
  );
  const hotReadRatio = numberOption('hotReadRatio', options.hotReadRatio ?? defaultHotReadRatio, 1);
  const hotReadMinPerSec = numberOption(
    'hotReadMinPerSec',
    options.hotReadMinPerSec ?? defaultHotReadMinPerSec,
    0,
  );
  const rerankIntervalMs = wholeOption(
    'rerankIntervalMs',
    options.rerankIntervalMs ?? defaultRerankIntervalMs,
    0,
  );
  const splitThresholdBytes = wholeOption(
    'splitThresholdBytes',
    options.splitThresholdBytes ?? defaultSplitThresholdBytes,
    1,
  );
  const balanceByBytesMin = wholeOption(
    'balanceByBytesMin',
    options.balanceByBytesMin ?? defaultBalanceByBytesMin,
    0,
  );
  const moveCooldownMs = wholeOption(
    'moveCooldownMs',
    options.moveCooldownMs ?? defaultMoveCooldownMs,
    0,
  );
  return {
    ...o,
    balanceByBytesMin,
    moveCooldownMs,
    splitThresholdBytes,
    rerankAfterMs,
    replaceAfterMs,
    replacementsInFlightMax,
    movesInFlightMax,
    hotReadRatio,
    hotReadMinPerSec,
    rerankIntervalMs,
    leaseDurationMs: (o.electionTicks - 1) * o.tickIntervalMs - o.maxClockDriftMs,
  };
}

export interface ControlMemberDeps {
  readonly nodeId: NodeId;
  /** Every member of the control plane (this one included): a fixed set of voters. */
  readonly members: readonly NodeId[];
  readonly clock: Clock;
  readonly rng: Rng;
  /** Raft traffic between members (the data nodes' NodeMessage format, group 0). */
  readonly transport: Transport<NodeMessage>;
  /** The member's own engine; holds only the control group. The owner closes it. */
  readonly engine: KvEngine;
  /**
   * Physical ms since the Tessera epoch for the timestamp oracle (default: `clock.now()`,
   * right for the simulator; a host passes `physicalFromUnixMs(clock.now())`).
   */
  readonly physicalNow?: () => number;
  readonly options?: ControlMemberOptions;
}

export interface HeartbeatInfo {
  readonly nodeId: NodeId;
  readonly zone: ZoneName;
  readonly address: string;
  readonly replicas?: readonly ReplicaPosition[];
  /** The node's busy time since it started, ms (kept with its replica positions). */
  readonly busyMs?: number;
}

export interface ControlMemberStatus {
  readonly nodeId: NodeId;
  readonly raft: RaftStatus;
  readonly applied: number;
  readonly snapshotIndex: number;
  readonly firstIndex: number;
  readonly stateVersion: number;
  readonly leaseHeld: boolean;
  readonly tsoWindowEndMs: number;
  readonly pendingProposals: number;
}

interface PendingProposal {
  readonly term: number;
  readonly resolve: (result: ControlResult) => void;
  readonly reject: (error: ReplicaError) => void;
  readonly timer: TimerHandle;
}

/**
 * One member of the control plane: a Raft group (fixed voters, usually 3) whose state machine
 * is `ControlState` — node registry, slice map, id counters, the timestamp oracle's window.
 *
 * On the leader it also runs what must not be replicated per event: the timestamp oracle
 * (one log entry per window of time, not per timestamp), node liveness (heartbeats are
 * soft state; only the decisions up → down → up are proposed) and the rebalancer (each tick
 * it may propose one round of changes to the slice map — today: new ranking replicas for the
 * slices of a down node; rebalancer.ts).
 *
 * Durability: each cycle writes the Ready's entries and hard state and, when it applied
 * anything, the whole applied state (control-store.ts) in one batch; messages other than a
 * leader's replication traffic leave only after it is durable. Every `snapshotEveryEntries`
 * applied entries the log is compacted behind a snapshot of that state, which is what a
 * member that fell behind the compacted log (or lost its disk) receives.
 *
 * Single-threaded; every entry point runs on the caller's event loop, never re-entrantly.
 */
export class ControlMember {
  readonly nodeId: NodeId;
  readonly options: ResolvedOptions;
  private readonly clock: Clock;
  private readonly transport: Transport<NodeMessage>;
  private readonly engine: KvEngine;
  private readonly log: RaftLogStore;
  private readonly storage: MemoryRaftStorage;
  private readonly rawNode: RawNode;
  private readonly confState: ConfState;
  private readonly physicalNow: () => number;
  private readonly lease: LeaderLease;
  private readonly outbox = new Outbox();
  private readonly pending = new Map<number, PendingProposal>();
  private state: ControlState;
  private appliedIndex: number;
  private appliedTerm: number;
  private snapshotIndex: number;
  private oracle: { readonly term: number; readonly oracle: TimestampOracle } | undefined;
  /** Leader-only soft state: when each data node was last heard, by this member's clock. */
  private readonly lastHeard = new Map<NodeId, number>();
  /** Leader-only soft state: each node's replica positions from its latest heartbeat. */
  private readonly positions = new Map<NodeId, NodePositions>();
  private lastHeardTerm = 0;
  private readonly livenessProposals = new Set<NodeId>();
  private readonly rebalancer: Rebalancer;
  private tickTimer: TimerHandle | undefined;
  private cycleQueued = false;
  private cycleRunning = false;
  private closed = false;
  private fatal: Error | undefined;
  private readonly voteQuietUntilMs: number;

  constructor(deps: ControlMemberDeps) {
    this.nodeId = deps.nodeId;
    this.options = resolve(deps.options);
    this.clock = deps.clock;
    this.transport = deps.transport;
    this.engine = deps.engine;
    this.log = new RaftLogStore(deps.engine);
    this.physicalNow = deps.physicalNow ?? (() => deps.clock.now());
    this.lease = new LeaderLease(this.options.leaseDurationMs);
    invariant(deps.members.includes(deps.nodeId), 'a control member must be in its members');
    invariant(new Set(deps.members).size === deps.members.length, 'duplicate control members');
    invariant(deps.transport.self === deps.nodeId, 'transport belongs to another node');
    this.confState = { voters: [...deps.members].sort((a, b) => a - b), loggers: [], learners: [] };
    this.voteQuietUntilMs =
      deps.clock.now() + this.options.electionTicks * this.options.tickIntervalMs;

    // Recovery: the applied state, then the log after the compaction point.
    const applied = loadAppliedControlState(deps.engine);
    this.state =
      applied === undefined ? new ControlState() : ControlState.fromSnapshot(applied.snapshot);
    this.appliedIndex = applied?.index ?? 0;
    this.appliedTerm = applied?.term ?? 0;
    this.storage = this.loadStorage();
    this.snapshotIndex = this.storage.snapshot().metadata.index;
    const rng = deps.rng;
    this.rawNode = new RawNode({
      id: deps.nodeId,
      storage: this.storage,
      rng: () => rng.next(),
      electionTicks: this.options.electionTicks,
      heartbeatTicks: this.options.heartbeatTicks,
      preVote: true,
      checkQuorum: true,
    });
    this.rebalancer = new Rebalancer({
      state: () => this.state,
      propose: (command) => this.propose(command),
      load: () =>
        this.positions.size === 0 ? undefined : loadFromPositions(this.replicaPositions()),
      positions: () => this.replicaPositions(),
      options: {
        rerankAfterMs: this.options.rerankAfterMs,
        replaceAfterMs: this.options.replaceAfterMs,
        replacementsInFlightMax: this.options.replacementsInFlightMax,
        movesInFlightMax: this.options.movesInFlightMax,
        hotReadRatio: this.options.hotReadRatio,
        hotReadMinPerSec: this.options.hotReadMinPerSec,
        rerankIntervalMs: this.options.rerankIntervalMs,
        balanceByBytesMin: this.options.balanceByBytesMin,
        moveCooldownMs: this.options.moveCooldownMs,
        splitThresholdBytes: this.options.splitThresholdBytes,
      },
    });
    this.transport.onMessage((from, message) => {
      this.guard(() => {
        this.onMessage(from, message);
      });
    });
    this.armTick();
    this.requestCycle();
  }

  // ---- reads of the applied state ----------------------------------------------------------

  /** The applied state on this member (may lag the leader's). Do not mutate. */
  get current(): ControlState {
    return this.state;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get fatalError(): Error | undefined {
    return this.fatal;
  }

  /** This member's clock (leaders stamp commands with it). */
  nowMs(): number {
    return this.clock.now();
  }

  /** The member this one believes leads (0 when unknown). */
  get leaderHint(): NodeId {
    return this.rawNode.leadership().leader;
  }

  /**
   * Whether this member leads and may answer for the group now: it holds the lease and has
   * applied an entry of its own term (so everything committed before is in its state).
   */
  get isServingLeader(): boolean {
    return this.leaseGap() === undefined;
  }

  status(): ControlMemberStatus {
    return {
      nodeId: this.nodeId,
      raft: this.rawNode.status(),
      applied: this.appliedIndex,
      snapshotIndex: this.snapshotIndex,
      firstIndex: this.storage.firstIndex(),
      stateVersion: this.state.stateVersion,
      leaseHeld: this.isServingLeader,
      tsoWindowEndMs: this.state.reservedTsoWindowEndMs,
      pendingProposals: this.pending.size,
    };
  }

  // ---- leader API --------------------------------------------------------------------------

  /**
   * Replicates one command and resolves with its result once applied here (so after a
   * majority persisted it). Rejects with a ReplicaError: NOT_LEADER (with hint),
   * PROPOSAL_DROPPED, PROPOSAL_OVERWRITTEN, PROPOSAL_TIMEOUT or REPLICA_CLOSED (the last two
   * ambiguous).
   */
  propose(command: ControlCommand): Promise<ControlResult> {
    if (this.closed) return Promise.reject(this.closedError());
    const st = this.rawNode.leadership();
    if (st.role !== 'leader') return Promise.reject(this.notLeader(st.leader));
    let position: { index: number; term: number };
    try {
      position = this.rawNode.propose(encodeControlCommand(command));
    } catch (error) {
      return Promise.reject(ReplicaError.fromUnknown(error, controlGroupId));
    }
    const { index, term } = position;
    this.settle(index, (p) => {
      p.reject(this.overwritten(index, p.term));
    });
    this.requestCycle();
    return new Promise((resolvePromise, reject) => {
      const timer = this.clock.setTimer(this.options.proposalTimeoutMs, () => {
        this.settle(index, (p) => {
          p.reject(
            new ReplicaError('PROPOSAL_TIMEOUT', `control entry ${index}: no outcome in time`, {
              groupId: controlGroupId,
            }),
          );
        });
      });
      this.pending.set(index, { term, resolve: resolvePromise, reject, timer });
    });
  }

  /**
   * `count` consecutive timestamps from the leader's oracle. Each is greater than any
   * timestamp handed out (by any leader) before this call began. Rejects with NOT_LEADER or
   * LEASE_UNAVAILABLE; the oracle is re-created per term and only served under the lease.
   */
  async allocateTimestamps(count: number): Promise<TimestampBatch> {
    const term = this.checkServing();
    let oracle = this.oracle;
    if (oracle?.term !== term) {
      oracle = {
        term,
        oracle: new TimestampOracle(
          {
            physicalNow: this.physicalNow,
            persistWindowEnd: async (endPhysicalMs) => {
              await this.proposeInTerm(term, { kind: 'reserveTsoWindow', endPhysicalMs });
            },
            windowMs: this.options.tsoWindowMs,
          },
          // Never below physical 1: timestamp 0 means "none" in storage and wire formats.
          Math.max(this.state.reservedTsoWindowEndMs, 1),
        ),
      };
      this.oracle = oracle;
    }
    const batch = await oracle.oracle.allocate(count);
    // Handed out only while still leading under the lease in the same term: a deposed
    // leader's window lies below its successor's, and serving from it after the successor
    // served would break real-time order.
    if (this.checkServing() !== term) {
      throw new OracleUnavailableError('leadership changed while reserving a window');
    }
    return batch;
  }

  /**
   * A data node's heartbeat, on the serving leader: records it as alive and registers it (or
   * brings it back up) through the log when the state does not say so yet. Resolves with the
   * node as registered.
   */
  async heartbeat(info: HeartbeatInfo): Promise<RegisteredNode> {
    this.checkServing();
    this.resetLivenessForTerm();
    this.lastHeard.set(info.nodeId, this.clock.now());
    if (info.replicas !== undefined) {
      const now = this.clock.now();
      this.positions.set(info.nodeId, {
        nodeId: info.nodeId,
        atMs: now,
        replicas: withRates(info.replicas, this.positions.get(info.nodeId), now),
        ...(info.busyMs === undefined ? {} : { busyMs: info.busyMs }),
      });
    }
    const known = this.state.node(info.nodeId);
    if (known?.state === 'removed') {
      throw new ReplicaError('INVALID_COMMAND', `node ${info.nodeId} was removed from the cluster`);
    }
    if (known !== undefined && known.state !== 'down' && known.address === info.address) {
      return known;
    }
    const result = await this.propose({
      kind: 'registerNode',
      zone: info.zone,
      address: info.address,
      atMs: this.clock.now(),
      nodeId: info.nodeId,
    });
    if (result.kind === 'rejected') throw new ReplicaError('INVALID_COMMAND', result.reason);
    const node = this.state.node(info.nodeId);
    invariant(node !== undefined, () => `node ${info.nodeId} registered but not in the state`);
    return node;
  }

  /**
   * The replica positions nodes reported to this member while it served as leader in its
   * current term (cleared at every new term: a new leader learns them afresh).
   */
  replicaPositions(): NodePositions[] {
    this.resetLivenessForTerm();
    return [...this.positions.values()].sort((a, b) => a.nodeId - b.nodeId);
  }

  /** Stops at once (a process kill, if the engine is then crashed). The engine stays open. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.tickTimer?.cancel();
    this.transport.close();
    this.oracle = undefined;
    for (const index of [...this.pending.keys()]) {
      this.settle(index, (p) => {
        p.reject(this.closedError());
      });
    }
  }

  // ---- internals: recovery -----------------------------------------------------------------

  private loadStorage(): MemoryRaftStorage {
    const storage = new MemoryRaftStorage(this.confState);
    const start = this.log.logStart(controlGroupId);
    if (start.index > 0) {
      storage.applySnapshot({
        metadata: { index: start.index, term: start.term, confState: this.confState },
        data: new Uint8Array(),
      });
    }
    const first = this.log.firstIndex(controlGroupId);
    const last = this.log.lastIndex(controlGroupId);
    if (last >= first) {
      const read = this.log.entries(controlGroupId, first, last + 1);
      invariant(read.kind === 'ok', () => `control log unreadable (${read.kind})`);
      storage.append(read.entries.map(fromStorageEntry));
    }
    storage.setHardState(this.log.hardState(controlGroupId));
    invariant(
      this.appliedIndex >= start.index,
      () => `control state at ${this.appliedIndex} is behind the compacted log (${start.index})`,
    );
    // The snapshot a leader ships must hold the state at its index: ours is the applied one.
    if (this.appliedIndex > 0) {
      storage.createSnapshot(this.appliedIndex, this.confState, this.snapshotBytes());
    }
    return storage;
  }

  private snapshotBytes(): Uint8Array {
    return encodeControlSnapshot(this.state.snapshot());
  }

  // ---- internals: the cycle ----------------------------------------------------------------

  private onMessage(from: NodeId, message: NodeMessage): void {
    if (this.closed) return;
    for (const ack of message.leaseAcks) {
      if (ack.groupId !== controlGroupId) continue;
      const st = this.rawNode.leadership();
      if (st.role !== 'leader' || st.term !== ack.term) continue;
      this.lease.resetForTerm(st.term);
      this.lease.recordAck(ack.term, from, ack.sentAtMs);
    }
    for (const { groupId, messages } of message.groups) {
      if (groupId !== controlGroupId) continue;
      for (const m of messages) {
        if (m.to !== this.nodeId || m.from !== from) continue;
        if (m.type === 'vote' && !m.transfer && this.clock.now() < this.voteQuietUntilMs) continue;
        this.rawNode.step(m);
        if (m.type !== 'append' && m.type !== 'heartbeat' && m.type !== 'snapshot') continue;
        const st = this.rawNode.leadership();
        if (st.term === m.term && st.leader === m.from) {
          this.outbox.addLeaseAck(from, {
            groupId: controlGroupId,
            term: m.term,
            sentAtMs: message.sentAtMs,
          });
        }
      }
    }
    this.requestCycle();
  }

  private armTick(): void {
    this.tickTimer = this.clock.setTimer(this.options.tickIntervalMs, () => {
      this.guard(() => {
        if (this.closed) return;
        this.rawNode.tick();
        this.checkLiveness();
        if (this.isServingLeader) this.rebalancer.tick(this.clock.now());
        this.requestCycle();
        this.armTick();
      });
    });
  }

  private requestCycle(): void {
    if (this.closed || this.cycleQueued) return;
    this.cycleQueued = true;
    if (!this.cycleRunning) {
      this.clock.defer(() => {
        this.startCycle();
      });
    }
  }

  private startCycle(): void {
    if (this.closed) return;
    this.cycleQueued = false;
    if (!this.rawNode.hasReady() && this.outbox.isEmpty) return;
    this.cycleRunning = true;
    this.runCycle().then(
      () => {
        this.cycleRunning = false;
        if (this.closed) return;
        if (this.cycleQueued || this.rawNode.hasReady()) {
          this.cycleQueued = false;
          this.requestCycle();
        }
      },
      (error: unknown) => {
        this.die(error);
      },
    );
  }

  private async runCycle(): Promise<void> {
    if (!this.rawNode.hasReady()) {
      this.flush();
      return;
    }
    const ready = this.rawNode.ready();
    const batch = this.engine.newBatch();
    const late: Message[] = [];
    for (const message of ready.messages) {
      if (ready.mustSync && mayBeSentBeforePersist(message)) this.sendNow(message);
      else late.push(message);
    }
    if (ready.mustSync) this.flush();

    if (ready.snapshot !== undefined) this.installSnapshot(batch, ready.snapshot);
    if (ready.entries.length > 0) {
      this.log.append(batch, controlGroupId, ready.entries.map(toStorageEntry));
    }
    if (ready.hardState !== undefined)
      this.log.setHardState(batch, controlGroupId, ready.hardState);
    const results = this.applyCommitted(batch, ready);
    const compactTo = this.maybeCompact(batch);

    let durable: Promise<void> | undefined;
    if (!batch.isEmpty) durable = this.engine.commit(batch);
    // Applied entries are committed on a persisted majority: settle their proposals now (a
    // crash loses at most the apply, which the restart replays from the log).
    for (const { index, term, result } of results) {
      this.settle(index, (p) => {
        if (p.term === term) p.resolve(result);
        else p.reject(this.overwritten(index, p.term));
      });
    }
    if (durable !== undefined) {
      if (ready.mustSync || ready.snapshot !== undefined || compactTo !== undefined) await durable;
      else
        durable.catch((error: unknown) => {
          this.die(error);
        });
    }
    if (this.closed) return;

    for (const message of late) this.sendNow(message);
    this.flush();
    if (ready.snapshot !== undefined) this.storage.applySnapshot(ready.snapshot);
    this.storage.append(ready.entries);
    if (ready.hardState !== undefined) this.storage.setHardState(ready.hardState);
    if (compactTo !== undefined) {
      this.storage.createSnapshot(compactTo, this.confState, this.snapshotBytes());
      this.storage.compact(compactTo);
      this.snapshotIndex = compactTo;
    }
    this.rawNode.advance(ready);
  }

  private installSnapshot(batch: WriteBatch, snapshot: Snapshot): void {
    const { index, term } = snapshot.metadata;
    const decoded = decodeControlSnapshot(snapshot.data);
    this.log.applySnapshot(batch, controlGroupId, {
      index,
      term,
      confState: {
        voters: this.confState.voters,
        learners: [],
        votersOutgoing: [],
        learnersNext: [],
        autoLeave: false,
      },
    });
    this.state = ControlState.fromSnapshot(decoded);
    this.appliedIndex = index;
    this.appliedTerm = term;
    this.snapshotIndex = index;
    putAppliedControlState(batch, { index, term, snapshot: decoded });
  }

  private applyCommitted(
    batch: WriteBatch,
    ready: Ready,
  ): { index: number; term: number; result: ControlResult }[] {
    const out: { index: number; term: number; result: ControlResult }[] = [];
    for (const entry of ready.committedEntries) {
      if (entry.index <= this.appliedIndex) continue;
      invariant(entry.index === this.appliedIndex + 1, () => {
        return `control entry ${entry.index} after applied ${this.appliedIndex}`;
      });
      let result: ControlResult = { kind: 'ok' };
      if (entry.type === 'normal' && entry.data.length > 0) {
        // A leader encodes what it proposes; an undecodable entry means a corrupt log.
        result = this.state.apply(decodeControlCommand(entry.data));
      }
      this.appliedIndex = entry.index;
      this.appliedTerm = entry.term;
      out.push({ index: entry.index, term: entry.term, result });
    }
    if (out.length > 0) {
      putAppliedControlState(batch, {
        index: this.appliedIndex,
        term: this.appliedTerm,
        snapshot: this.state.snapshot(),
      });
    }
    return out;
  }

  /** Compacts the log behind the applied state when enough entries piled up. */
  private maybeCompact(batch: WriteBatch): number | undefined {
    if (this.appliedIndex - this.snapshotIndex < this.options.snapshotEveryEntries)
      return undefined;
    // The snapshot must hold the state at its index, so compact exactly to the applied index
    // (whose state is in this batch). Applied entries are always in the durable log already.
    const through = this.appliedIndex;
    invariant(through <= this.storage.lastIndex(), 'applied an entry this member has not logged');
    this.log.compactPrefix(batch, controlGroupId, through);
    return through;
  }

  private sendNow(message: Message): void {
    this.outbox.add(controlGroupId, message);
    // Fire-and-forget transport: let Raft probe again; a lost snapshot is re-sent when the
    // follower's next answer shows it still lags.
    if (message.type === 'snapshot') this.rawNode.reportSnapshot(message.to, true);
  }

  private flush(): void {
    if (this.closed) return;
    this.outbox.flush(this.clock.now(), (to, message) => {
      this.transport.send(to, message);
    });
  }

  // ---- internals: leadership ---------------------------------------------------------------

  private leaseGap(): 'notLeader' | 'noQuorumContact' | 'noCommitInTerm' | undefined {
    if (this.closed) return 'notLeader';
    const st = this.rawNode.leadership();
    if (st.role !== 'leader') return 'notLeader';
    this.lease.resetForTerm(st.term);
    const expires = this.lease.expiresAtMs(this.nodeId, this.confState.voters, this.clock.now());
    if (expires === undefined || this.clock.now() >= expires) return 'noQuorumContact';
    if (this.appliedTerm !== st.term) return 'noCommitInTerm';
    return undefined;
  }

  /** Returns the term this member serves in, or throws NOT_LEADER / LEASE_UNAVAILABLE. */
  private checkServing(): number {
    if (this.closed) throw this.closedError();
    const st = this.rawNode.leadership();
    if (st.role !== 'leader') throw this.notLeader(st.leader);
    const gap = this.leaseGap();
    if (gap !== undefined) {
      throw new ReplicaError('LEASE_UNAVAILABLE', `control plane: ${gap}`, {
        groupId: controlGroupId,
        leaderHint: this.nodeId,
        leaseGap: gap === 'notLeader' ? 'noQuorumContact' : gap,
      });
    }
    return st.term;
  }

  private async proposeInTerm(term: number, command: ControlCommand): Promise<ControlResult> {
    const st = this.rawNode.leadership();
    if (st.role !== 'leader' || st.term !== term) throw this.notLeader(st.leader);
    return this.propose(command);
  }

  // ---- internals: liveness -----------------------------------------------------------------

  /** A new leadership starts by giving every node a full grace period. */
  private resetLivenessForTerm(): void {
    const term = this.rawNode.leadership().term;
    if (term === this.lastHeardTerm) return;
    this.lastHeardTerm = term;
    this.lastHeard.clear();
    this.positions.clear();
    const now = this.clock.now();
    for (const node of this.state.clusterNodes()) this.lastHeard.set(node.id, now);
  }

  private checkLiveness(): void {
    if (!this.isServingLeader) return;
    this.resetLivenessForTerm();
    const now = this.clock.now();
    for (const node of this.state.clusterNodes()) {
      if (node.state !== 'up' || this.livenessProposals.has(node.id)) continue;
      const heard = this.lastHeard.get(node.id);
      if (heard === undefined) {
        this.lastHeard.set(node.id, now);
        continue;
      }
      if (now - heard < this.options.nodeDownAfterMs) continue;
      this.livenessProposals.add(node.id);
      this.propose({ kind: 'setNodeState', nodeId: node.id, state: 'down', atMs: now })
        .catch(() => undefined)
        .finally(() => this.livenessProposals.delete(node.id));
    }
  }

  // ---- internals: errors -------------------------------------------------------------------

  private settle(index: number, fn: (p: PendingProposal) => void): void {
    const p = this.pending.get(index);
    if (p === undefined) return;
    this.pending.delete(index);
    p.timer.cancel();
    fn(p);
  }

  private notLeader(leader: NodeId): ReplicaError {
    return new ReplicaError('NOT_LEADER', `control member ${this.nodeId} does not lead`, {
      groupId: controlGroupId,
      leaderHint: leader,
    });
  }

  private overwritten(index: number, term: number): ReplicaError {
    return new ReplicaError(
      'PROPOSAL_OVERWRITTEN',
      `control entry ${index} of term ${term} was replaced by a new leader`,
      { groupId: controlGroupId, leaderHint: this.rawNode.leadership().leader },
    );
  }

  private closedError(): ReplicaError {
    return new ReplicaError('REPLICA_CLOSED', `control member ${this.nodeId} is closed`, {
      groupId: controlGroupId,
    });
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.die(error);
    }
  }

  private die(error: unknown): void {
    if (this.closed) return;
    this.fatal ??= error instanceof Error ? error : new Error(String(error));
    this.close();
  }
}

/**
 * Each replica's reads/s and writes/s since the node's previous report: the counter's growth
 * over the time between the two reports (none when there is no earlier report of that replica,
 * no time passed, or the counter went back — the node restarted).
 */
function withRates(
  replicas: readonly ReplicaPosition[],
  previous: NodePositions | undefined,
  now: number,
): ReplicaReport[] {
  const seconds = previous === undefined ? 0 : (now - previous.atMs) / 1000;
  const before = new Map((previous?.replicas ?? []).map((r) => [r.groupId, r]));
  const rate = (current: number | undefined, earlier: number | undefined): number | undefined =>
    current === undefined || earlier === undefined || seconds <= 0 || current < earlier
      ? undefined
      : (current - earlier) / seconds;
  return replicas.map((r) => {
    const prev = before.get(r.groupId);
    const readsPerSec = rate(r.reads, prev?.reads);
    const writesPerSec = rate(r.writes, prev?.writes);
    return {
      ...r,
      ...(readsPerSec === undefined ? {} : { readsPerSec }),
      ...(writesPerSec === undefined ? {} : { writesPerSec }),
    };
  });
}
