import type {
  ControlMemberOptions,
  ControlMessage,
  ControlSnapshot,
  ControlState,
  FaultPolicy,
  KvMessage,
  NodeMessage,
} from '@tessera/cluster';
import {
  ControlClient,
  ControlMember,
  ControlService,
  DataNode,
  KvClient,
  KvService,
  isJoiningMember,
  MembershipSync,
  MemoryNetwork,
  perfectNetwork,
  SeededRng,
  runSimulatedFor,
  runSimulatedUntil,
  SimClock,
  SliceGroupLayout,
  SplitSync,
  splitGroupsToKeep,
  syncRankingNodes,
} from '@tessera/cluster';
import type { ConfState } from '@tessera/raft';
import { MemoryEngine } from '@tessera/storage';
import type { Router, SliceRouting } from '@tessera/txn';

/**
 * A whole cluster in one thread (RFC 0002 "Simulation"): real data nodes, real Raft groups and
 * real MVCC stores, on a simulated clock, a simulated network (drop, delay, duplicate,
 * reorder, partition) and simulated disks (a crash loses what was not synced). Everything
 * random draws from one seed, so a run replays exactly.
 *
 * Topology: a control plane of 3 members (its own Raft group: node registry, slice map,
 * timestamp oracle), data nodes in zones that register with it by heartbeat, and one table
 * the control plane places (`createRepresentation`: replicas and loggers spread over zones),
 * one Raft group per slice, created on the nodes from the control plane's slice map. Clients
 * reach the slices' leaders through `KvClient` on a client network and take timestamps from
 * the control plane through `ControlClient` on a control network, as a gateway would, routing
 * by the newest slice map a node agent has read (`router`); after a split they are routed
 * again by a newer map when a narrowed group refuses them (`sliceRouting`).
 *
 * For the issue-5 scenarios (scenario.ts): `addNode` starts a new, empty data node (a machine
 * joining), `crashControlMemberForGood` loses a control-plane member with its zone, and
 * `onControlStateApplied` reports every control state a member applies, so checks can judge
 * every slice map version rather than sampled ones.
 */
export interface SimClusterOptions {
  readonly seed: number;
  readonly nodes: readonly { readonly id: number; readonly zone: string }[];
  /** Control-plane members (ids distinct from the data nodes'). */
  readonly controlMembers: readonly { readonly id: number; readonly zone: string }[];
  readonly slices: number;
  readonly replicas: number;
  readonly loggers: number;
  readonly peerFaults: FaultPolicy;
  readonly clientFaults: FaultPolicy;
  /** Simulated fsync period of every disk (ms). */
  readonly diskSyncMs: number;
  /**
   * Control-plane options besides the simulator's own (snapshots, down detection,
   * replacement delay), e.g. the rebalancer's thresholds a scenario tunes.
   */
  readonly controlOptions?: ControlMemberOptions;
}

/**
 * Called with a control-plane member's state right after it applied a command that changed
 * it (and with the state a member starts from or installs from a snapshot). Every state
 * version the control plane ever reaches passes through here at least once.
 */
export type AppliedStateListener = (state: ControlState, memberId: number) => void;

export const gatewayNodeId = 1_000;

/** Slice logs are compacted behind a snapshot every this many applied entries. */
const snapshotEveryEntries = 40;

/** How often a data node tells the control plane it is alive. */
const heartbeatMs = 500;

/** How often a node's agent reads the slice map and hands replicas their ranking replica. */
const reconcileMs = 250;

/** A data node not heard from for this long is marked down, and its slices re-ranked. */
export const simNodeDownAfterMs = 2_000;

/** How long a node stays down before its slices' data replicas are replaced elsewhere. */
export const simReplaceAfterMs = 3_000;

export class SimCluster {
  readonly clock = new SimClock(1_000);
  readonly rng: SeededRng;
  readonly peerNet: MemoryNetwork<NodeMessage>;
  readonly clientNet: MemoryNetwork<KvMessage>;
  readonly controlNet: MemoryNetwork<ControlMessage>;
  private layoutValue: SliceGroupLayout | undefined;
  private readonly engines = new Map<number, MemoryEngine>();
  private readonly nodes = new Map<number, DataNode>();
  private readonly services = new Map<number, KvService>();
  private readonly agents = new Map<number, { client: ControlClient; stop: () => void }>();
  private readonly controlEngines = new Map<number, MemoryEngine>();
  private readonly controlMembers = new Map<number, ControlMember>();
  private readonly controlServices = new Map<number, ControlService>();
  /** Snapshots installed by nodes since crashed (their metrics die with them). */
  private retiredSnapshotInstalls = 0;
  /** Data nodes whose disk was lost: they never host their old replicas again. */
  private readonly wiped = new Set<number>();
  /** Data nodes crashed for good: never restarted. */
  private readonly lost = new Set<number>();
  /** Control-plane members crashed for good (their zone was lost): never restarted. */
  private readonly lostControl = new Set<number>();
  /** The newest control state any agent has seen (for the clients' ranking-first routing). */
  private newestStateVersion = -1;
  /** Clients' split re-routings waiting for a newer slice map (see `sliceRouting`). */
  private readonly mapWaiters = new Set<() => void>();
  /** Every data node's zone, the ones added later included. */
  private readonly zones = new Map<number, string>();
  private readonly appliedListeners: AppliedStateListener[] = [];
  /** Control states whose `apply` reports to the listeners (see `watchApplies`). */
  private readonly watchedStates = new WeakSet<ControlState>();

  constructor(readonly options: SimClusterOptions) {
    this.rng = new SeededRng(options.seed);
    this.peerNet = new MemoryNetwork<NodeMessage>({
      clock: this.clock,
      rng: this.rng.fork(),
      faults: options.peerFaults,
    });
    this.clientNet = new MemoryNetwork<KvMessage>({
      clock: this.clock,
      rng: this.rng.fork(),
      faults: options.clientFaults,
    });
    this.controlNet = new MemoryNetwork<ControlMessage>({
      clock: this.clock,
      rng: this.rng.fork(),
      faults: options.clientFaults,
    });
    for (const m of options.controlMembers) {
      this.controlEngines.set(m.id, new MemoryEngine({ durability: 'manual' }));
      this.startControlMember(m.id);
    }
    for (const n of options.nodes) {
      this.zones.set(n.id, n.zone);
      this.engines.set(n.id, new MemoryEngine({ durability: 'manual' }));
      this.start(n.id);
    }
    this.syncDisks();
  }

  /**
   * Creates the table the way a cluster does: once every data node has registered with the
   * control plane, it places the slices (`createRepresentation`), and each node creates the
   * replicas the slice map gives it. Returns false if that did not happen within `maxMs`.
   */
  async bootstrap(maxMs = 30_000): Promise<boolean> {
    const admin = this.newControlClient(gatewayNodeId + 99);
    const work = (async () => {
      // Until the table is in the slice map: wait for every node to register and be up, then
      // ask for it. An unanswered command may still have applied, so each round starts by
      // reading the state again rather than blindly asking twice.
      for (;;) {
        const state = await admin.state().catch(() => undefined);
        const representation = state?.placement.representations.find((r) => r.name === 'sim');
        if (representation !== undefined) {
          this.layoutValue = new SliceGroupLayout(representation);
          return;
        }
        const up = state?.nodes.filter((n) => n.state === 'up').length ?? 0;
        if (state !== undefined && up >= this.options.nodes.length) {
          const result = await admin
            .command({
              kind: 'createRepresentation',
              spec: {
                name: 'sim',
                replicas: this.options.replicas,
                loggers: this.options.loggers,
                sliceCount: this.options.slices,
              },
            })
            .catch(() => undefined);
          if (result?.kind === 'rejected') {
            throw new Error(`createRepresentation: ${result.reason}`);
          }
          continue;
        }
        await this.sleep(100);
      }
    })();
    let failure: Error | undefined;
    let finished = false;
    work.then(
      () => (finished = true),
      (error: unknown) => {
        failure = error instanceof Error ? error : new Error(String(error));
        finished = true;
      },
    );
    await this.runUntil(() => finished, maxMs);
    admin.close();
    if (failure !== undefined) throw failure;
    if (this.layoutValue === undefined) return false;
    for (const group of this.layoutValue.groups) {
      for (const m of group.members)
        this.nodes.get(m.nodeId)?.createReplica({ ...group, bootstrap: true });
    }
    return true;
  }

  /** The table's slice groups, as the control plane placed them (after `bootstrap`). */
  get layout(): SliceGroupLayout {
    if (this.layoutValue === undefined) throw new Error('SimCluster: bootstrap() first');
    return this.layoutValue;
  }

  /** Group ids, one per slice. */
  get groupIds(): number[] {
    return this.layout.groupIds;
  }

  /** The group holding `key`: the slice its distribution hash falls in. */
  groupOfKey(key: Uint8Array): number {
    return this.layout.groupOfKey(key);
  }

  /**
   * The clients' router (TxnClient): key → group and the groups of a range by the newest slice
   * map a node agent has read, with each group's hash range from that same map (a reader sends
   * it with every scan, so a group a split has narrowed since refuses the scan instead of
   * answering for half its old range).
   */
  router(): Router {
    return {
      sliceOf: (key) => this.layout.groupOfKey(key),
      slicesFor: () => this.layout.groupIds,
      boundsOf: (groupId) => this.layout.boundsOf(groupId),
    };
  }

  /**
   * The clients' split re-routing (ClusterSliceKv `routing`, as the server's gateways have):
   * a group refused a call as the wrong slice because the client's map is older than the
   * split. `refresh` waits until an agent reads a newer map, or `reconcileMs * 2` at most (the
   * split may not have finished in the map yet: the next refusal waits again); the call is
   * then routed by the map as it is. Without it a refusal fails the transaction, and a client
   * retrying on a healed (zero-delay) network would never let simulated time pass for the
   * agents to read the map that names the new group.
   */
  sliceRouting(): SliceRouting {
    return {
      refresh: () => this.newerMap(reconcileMs * 2),
      sliceOf: (key) => this.layout.groupOfKey(key),
      boundsOf: (groupId) => this.layout.boundsOf(groupId),
      slicesWithin: (_groupId, bounds) => this.layout.groupsWithin(bounds),
    };
  }

  /** Resolves when an agent brings a newer slice map, or after `maxMs`. */
  private newerMap(maxMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.mapWaiters.delete(done);
        timer.cancel();
        resolve();
      };
      const timer = this.clock.setTimer(maxMs, done);
      this.mapWaiters.add(done);
    });
  }

  /**
   * Members of a group, the ranking replica first (where a client tries first), by the
   * newest slice map a node agent has read (re-ranks move the ranking replica).
   */
  membersOf(groupId: number): number[] {
    return this.layout.membersOf(groupId);
  }

  /** Every member of a group, loggers included. */
  votersOf(groupId: number): number[] {
    return this.layout.group(groupId)?.members.map((m) => m.nodeId) ?? [];
  }

  /** A control-plane client (timestamps, state) for endpoint `nodeId` on the control network. */
  newControlClient(nodeId: number): ControlClient {
    return new ControlClient({
      transport: this.controlNet.connect(nodeId),
      clock: this.clock,
      rng: this.rng.fork(),
      members: this.options.controlMembers.map((m) => m.id),
      options: { attemptTimeoutMs: 300, callTimeoutMs: 5_000, backoffBaseMs: 10 },
    });
  }

  /** A client endpoint on the client network (a gateway's view of the cluster). */
  newClient(nodeId = gatewayNodeId): KvClient {
    return new KvClient({
      transport: this.clientNet.connect(nodeId),
      clock: this.clock,
      rng: this.rng.fork(),
      membersOf: (groupId) => this.membersOf(groupId),
      options: { attemptTimeoutMs: 500, maxAttempts: 12, backoffBaseMs: 10, backoffMaxMs: 400 },
    });
  }

  isUp(id: number): boolean {
    return this.nodes.has(id);
  }

  /** Every data node the cluster ever had (up, down, lost), by id. */
  dataNodeIds(): number[] {
    return [...this.engines.keys()].sort((a, b) => a - b);
  }

  /** A data node's zone ('' for an id the cluster never had). */
  zoneOf(id: number): string {
    return this.zones.get(id) ?? '';
  }

  /**
   * Starts a new, empty data node in `zone` (an added machine): its agent heartbeats to the
   * control plane and syncs from the slice map, so it hosts whatever the rebalancer moves to
   * it. Registering it (`registerNode`, as ALTER CLUSTER ADD NODE does) is the caller's part;
   * a heartbeat would register it too.
   */
  addNode(id: number, zone: string): void {
    if (this.engines.has(id) || this.options.controlMembers.some((m) => m.id === id)) {
      throw new Error(`SimCluster: node id ${id} is taken`);
    }
    this.zones.set(id, zone);
    this.engines.set(id, new MemoryEngine({ durability: 'manual' }));
    this.start(id);
  }

  /**
   * Bytes of the data copies (data replicas and learners) a running node hosts, by its
   * replicas' own count; undefined when it is down.
   */
  bytesOn(id: number): number | undefined {
    const node = this.nodes.get(id);
    if (node === undefined) return undefined;
    return node
      .status()
      .replicas.filter((r) => r.memberRole !== 'logger')
      .reduce((sum, r) => sum + r.bytes, 0);
  }

  /** Slice replicas a running data node hosts (0 when it is down). */
  replicaCount(id: number): number {
    return this.nodes.get(id)?.groupIds().length ?? 0;
  }

  /**
   * Calls `listener` with every control state a member applies from now on (see
   * `AppliedStateListener`): how a scenario checks every slice map version, not just the ones
   * a poll happens to see.
   */
  onControlStateApplied(listener: AppliedStateListener): void {
    this.appliedListeners.push(listener);
    for (const [id, member] of this.controlMembers) this.watchApplies(id, member);
  }

  upNodes(): number[] {
    return [...this.nodes.keys()].sort((a, b) => a - b);
  }

  /** A process kill: the node stops at once and its disk loses everything not yet synced. */
  crash(id: number): void {
    const node = this.nodes.get(id);
    if (node === undefined) return;
    this.services.get(id)?.close();
    this.services.delete(id);
    const agent = this.agents.get(id);
    agent?.stop();
    agent?.client.close();
    this.agents.delete(id);
    this.retiredSnapshotInstalls += node.metrics.snapshotsInstalled;
    node.close();
    this.engines.get(id)?.crash();
    this.nodes.delete(id);
    this.peerNet.setDown(id, true);
    this.clientNet.setDown(id, true);
    this.controlNet.setDown(id, true);
  }

  /**
   * A crash that also loses the disk. The node comes back empty and, having forgotten every
   * vote and log entry it promised, must never take its old places in their groups: it hosts
   * nothing until the control plane gives it new replicas (re-replication is the rebalancer's
   * work). Its groups go on with their other members.
   */
  crashWithDiskLoss(id: number): void {
    this.crash(id);
    this.engines.get(id)?.wipe();
    this.wiped.add(id);
  }

  /** A crash the node never comes back from: `restart` leaves it down. */
  crashForGood(id: number): void {
    this.crash(id);
    this.lost.add(id);
  }

  isLost(id: number): boolean {
    return this.lost.has(id);
  }

  /** The node leading `groupId` in the highest term among the running nodes, if any. */
  leaderOf(groupId: number): number | undefined {
    let best: { id: number; term: number } | undefined;
    for (const [id, node] of this.nodes) {
      const st = node.replica(groupId)?.raftStatus();
      if (st?.role === 'leader' && (best === undefined || st.term > best.term)) {
        best = { id, term: st.term };
      }
    }
    return best?.id;
  }

  /** Raft's membership of `groupId` as the replica on running node `id` applied it. */
  raftMembership(groupId: number, id: number): ConfState | undefined {
    return this.nodes.get(id)?.replica(groupId)?.raftStatus().confState;
  }

  /** The most recent applied control state among the running control-plane members. */
  newestControlState(): ControlMember['current'] | undefined {
    let newest: ControlMember['current'] | undefined;
    for (const member of this.controlMembers.values()) {
      const state = member.current;
      if (newest === undefined || state.stateVersion > newest.stateVersion) newest = state;
    }
    return newest;
  }

  /** Raft snapshots installed by slice replicas over the whole run. */
  snapshotsInstalled(): number {
    let live = 0;
    for (const node of this.nodes.values()) live += node.metrics.snapshotsInstalled;
    return this.retiredSnapshotInstalls + live;
  }

  wasWiped(id: number): boolean {
    return this.wiped.has(id);
  }

  isControlMemberUp(id: number): boolean {
    return this.controlMembers.has(id);
  }

  /** A control-plane member's process kill (its disk keeps what was synced). */
  crashControlMember(id: number): void {
    const member = this.controlMembers.get(id);
    if (member === undefined) return;
    this.controlServices.get(id)?.close();
    this.controlServices.delete(id);
    member.close();
    this.controlEngines.get(id)?.crash();
    this.controlMembers.delete(id);
    this.peerNet.setDown(id, true);
    this.controlNet.setDown(id, true);
  }

  /** A control-plane member lost for good (its zone died): `restartControlMember` leaves it. */
  crashControlMemberForGood(id: number): void {
    this.crashControlMember(id);
    this.lostControl.add(id);
  }

  restartControlMember(id: number): void {
    if (this.controlMembers.has(id) || this.lostControl.has(id)) return;
    this.peerNet.setDown(id, false);
    this.controlNet.setDown(id, false);
    this.startControlMember(id);
  }

  /** The control-plane member serving as leader now, if any. */
  controlLeader(): number | undefined {
    for (const [id, m] of this.controlMembers) if (m.isServingLeader) return id;
    return undefined;
  }

  /** A control-plane member's applied state (for checks), or undefined when it is down. */
  controlState(id: number): ControlMember['current'] | undefined {
    return this.controlMembers.get(id)?.current;
  }

  /**
   * Restarts a crashed node over its disk. A replica whose creation was lost in the crash
   * (never synced) is created again, as the control plane would re-issue it.
   */
  restart(id: number): void {
    if (this.nodes.has(id) || this.lost.has(id)) return;
    this.peerNet.setDown(id, false);
    this.clientNet.setDown(id, false);
    this.controlNet.setDown(id, false);
    const node = this.start(id);
    const layout = this.layoutValue;
    if (this.wiped.has(id) || layout === undefined) return;
    for (const group of layout.groupsOf(id)) {
      const slice = layout.representation.slices.find((s) => s.id + 1 === group.groupId);
      // A replacement being copied joins through its agent (MembershipSync), never founds.
      if (slice !== undefined && isJoiningMember(layout.representation, slice, id)) continue;
      if (node.replica(group.groupId) === undefined)
        node.createReplica({ ...group, bootstrap: true });
    }
  }

  heal(): void {
    for (const net of [this.peerNet, this.clientNet, this.controlNet]) {
      net.heal();
      net.setFaults(perfectNetwork);
    }
  }

  /** Throws if any node stopped on a broken invariant: that is a bug, never an operating error. */
  assertHealthy(): void {
    for (const [id, node] of this.nodes) {
      if (node.fatalError !== undefined) {
        throw new Error(`node ${id} stopped: ${node.fatalError.stack ?? node.fatalError.message}`);
      }
    }
    for (const [id, member] of this.controlMembers) {
      const error = member.fatalError;
      if (error !== undefined) {
        throw new Error(`control member ${id} stopped: ${error.stack ?? error.message}`);
      }
    }
  }

  /**
   * Runs simulated time forward by `ms`, letting promise continuations run between events so
   * that async code (the nodes' ready cycles, the clients) progresses in this one thread.
   */
  async runFor(ms: number, maxEvents = 10_000_000): Promise<void> {
    await runSimulatedFor(this.clock, ms, {
      maxEvents,
      afterEvent: () => {
        this.assertHealthy();
        this.watchAllApplies();
      },
    });
  }

  /** Runs until `done()` holds or `maxMs` of simulated time pass; returns whether done. */
  async runUntil(done: () => boolean, maxMs: number, stepMs = 5): Promise<boolean> {
    return runSimulatedUntil(this.clock, done, maxMs, stepMs, {
      afterEvent: () => {
        this.assertHealthy();
        this.watchAllApplies();
      },
    });
  }

  close(): void {
    for (const id of [...this.nodes.keys()]) this.crash(id);
    for (const id of [...this.controlMembers.keys()]) this.crashControlMember(id);
  }

  private startControlMember(id: number): void {
    const engine = this.controlEngines.get(id);
    if (engine === undefined) throw new Error(`no disk for control member ${id}`);
    const member = new ControlMember({
      nodeId: id,
      members: this.options.controlMembers.map((m) => m.id),
      clock: this.clock,
      rng: this.rng.fork(),
      transport: this.peerNet.connect(id),
      engine,
      options: {
        snapshotEveryEntries: 64,
        nodeDownAfterMs: simNodeDownAfterMs,
        replaceAfterMs: simReplaceAfterMs,
        ...this.options.controlOptions,
      },
    });
    this.controlMembers.set(id, member);
    this.watchApplies(id, member);
    this.controlServices.set(id, new ControlService(member, this.controlNet.connect(id)));
  }

  /**
   * The node's agent (apps/server's node-agent.ts, reduced to what the simulator needs):
   * heartbeats to the control plane, and reads the slice map to hand every replica its
   * slice's current ranking replica (re-ranks) and to make the groups it leads follow the
   * map's membership (MembershipSync: replacements join, are promoted, replaced members
   * leave), proposes the split of a parent group it leads when the control plane has one
   * pending (SplitSync); it removes a replica the map no longer places on the node (see
   * `removeUnplaced`). Founding replicas are
   * created by `bootstrap` and `restart`. Stops with the node.
   */
  private startAgent(id: number): void {
    const zone = this.zoneOf(id);
    const client = this.newControlClient(id);
    let stopped = false;
    let timer: { cancel(): void } | undefined;
    let reconcileTimer: { cancel(): void } | undefined;
    const map = { version: -1, reading: false, snapshot: undefined as ControlSnapshot | undefined };
    const node = this.nodes.get(id);
    const membership = node === undefined ? undefined : new MembershipSync(node);
    const splits = node === undefined ? undefined : new SplitSync(node);
    const reconcile = () => {
      if (stopped) return;
      reconcileTimer = this.clock.setTimer(reconcileMs, reconcile);
      if (map.snapshot !== undefined && node !== undefined && !node.isClosed) {
        syncRankingNodes(node, map.snapshot.placement);
        membership?.sync(map.snapshot.placement);
        splits?.sync(map.snapshot.splits ?? []);
        this.removeUnplaced(node, map.snapshot);
      }
      if (map.reading) return;
      map.reading = true;
      client.state(map.version).then(
        (snapshot) => {
          map.reading = false;
          if (stopped || snapshot === undefined) return;
          map.version = snapshot.version;
          map.snapshot = snapshot;
          this.noteControlState(snapshot);
        },
        () => {
          map.reading = false; // electing or unreachable: read again next time
        },
      );
    };
    reconcile();
    const beat = () => {
      if (stopped) return;
      const replicas = this.nodes
        .get(id)
        ?.status()
        .replicas.map((r) => ({
          groupId: r.groupId,
          memberRole: r.memberRole,
          raftRole: r.raftRole,
          term: r.term,
          applied: r.applied,
          appliedCommitTs: r.appliedCommitTs,
          records: r.records,
          bytes: r.bytes,
          // The leader turns two reports into reads/s and writes/s (hot-node re-ranking).
          reads: r.reads,
          writes: r.writes,
        }));
      client.heartbeat(id, zone, '', replicas).then(
        () => undefined,
        () => undefined, // the control plane may be down or electing: try again next beat
      );
      timer = this.clock.setTimer(heartbeatMs, beat);
    };
    beat();
    this.agents.set(id, {
      client,
      stop: () => {
        stopped = true;
        timer?.cancel();
        reconcileTimer?.cancel();
      },
    });
  }

  /**
   * Keeps the clients' layout at the newest slice map seen (new rankings, new members, the
   * slices a split added), and wakes the clients' re-routings waiting for it.
   */
  private noteControlState(snapshot: ControlSnapshot): void {
    if (snapshot.version <= this.newestStateVersion || this.layoutValue === undefined) return;
    const representation = snapshot.placement.representations.find((r) => r.name === 'sim');
    if (representation === undefined) return;
    this.newestStateVersion = snapshot.version;
    this.layoutValue = new SliceGroupLayout(representation);
    for (const wake of [...this.mapWaiters]) wake();
  }

  /**
   * Removes the replicas of the table's groups that the slice map no longer places on `node`
   * (its member was replaced while it was down, or moved away) — but only once Raft no longer
   * counts it as a voter: by its own applied membership, or by the group's current leader's
   * (as a replica GC asks the group, CockroachDB-style). The map drops a member before the
   * group's leader has proposed its removal; a voter that destroyed its replica then would
   * still count in the group's quorum without answering, and one more failure in the group
   * (a zone loss during a move) would leave it without a majority for good. Only once the map
   * holds the table: before that, nothing is placed yet.
   */
  private removeUnplaced(node: DataNode, snapshot: ControlSnapshot): void {
    const representation = snapshot.placement.representations.find((r) => r.name === 'sim');
    if (representation === undefined) return;
    const placed = new Set(
      new SliceGroupLayout(representation).groupsOf(node.nodeId).map((g) => g.groupId),
    );
    // A pending split's new group is hosted before the map lists it.
    const splitting = splitGroupsToKeep(snapshot.splits);
    for (const groupId of node.groupIds()) {
      if (placed.has(groupId) || splitting.has(groupId)) continue;
      const own = node.replica(groupId)?.raftStatus().confState;
      const leader = this.leaderOf(groupId);
      const leaders = leader === undefined ? undefined : this.raftMembership(groupId, leader);
      if (votesIn(own, node.nodeId) && (leaders === undefined || votesIn(leaders, node.nodeId))) {
        continue;
      }
      node.removeReplica(groupId).catch(() => undefined);
    }
  }

  private watchAllApplies(): void {
    if (this.appliedListeners.length === 0) return;
    for (const [id, member] of this.controlMembers) this.watchApplies(id, member);
  }

  /**
   * Makes the member's current state report each command it applies to the listeners. An
   * observer, not a fake: the command applies exactly as before. The member replaces its state
   * object when it installs a snapshot or restarts; the next simulated event finds the new one
   * (reported at once: it is a state the control plane reached) and watches it too. Each
   * version is applied incrementally by at least the leader that proposed it, whose state
   * object cannot change under it within one event, so no version goes unseen.
   */
  private watchApplies(id: number, member: ControlMember): void {
    const state = member.current;
    if (this.appliedListeners.length === 0 || this.watchedStates.has(state)) return;
    this.watchedStates.add(state);
    const apply = state.apply.bind(state);
    state.apply = (command) => {
      const before = state.stateVersion;
      const result = apply(command);
      if (state.stateVersion !== before) for (const l of this.appliedListeners) l(state, id);
      return result;
    };
    for (const l of this.appliedListeners) l(state, id);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.clock.setTimer(ms, resolve);
    });
  }

  private start(id: number): DataNode {
    const engine = this.engines.get(id);
    if (engine === undefined) throw new Error(`no disk for node ${id}`);
    const node = new DataNode({
      nodeId: id,
      clock: this.clock,
      rng: this.rng.fork(),
      transport: this.peerNet.connect(id),
      engine,
      // Compact often, so that nodes back from a crash catch up by snapshot as well as by log.
      options: { snapshotEveryEntries: snapshotEveryEntries },
    });
    this.nodes.set(id, node);
    this.services.set(id, new KvService(node, this.clientNet.connect(id)));
    this.startAgent(id);
    return node;
  }

  private syncDisks(): void {
    this.clock.setTimer(this.options.diskSyncMs, () => {
      for (const [id, engine] of this.engines) if (this.nodes.has(id)) engine.sync();
      for (const [id, engine] of this.controlEngines) {
        if (this.controlMembers.has(id)) engine.sync();
      }
      this.syncDisks();
    });
  }
}

/** Whether Raft's membership `conf` counts `node` as a voter (a data replica or a logger). */
function votesIn(conf: ConfState | undefined, node: number): boolean {
  return conf !== undefined && (conf.voters.includes(node) || conf.loggers.includes(node));
}
