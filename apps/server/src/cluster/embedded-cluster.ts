import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  ClusterOverview,
  RebalancerActivityEntry,
  NodeOverview,
  RebalancerActivityQuery,
  RebalancerStatus,
  SliceMemberOverview,
  SliceOverview,
} from '@tessera/api';
import type {
  CatalogSnapshot,
  ControlMessage,
  ControlState,
  KvMessage,
  NodeMessage,
  NodePositions,
  RebalancerActivity,
  ReplicaBrief,
  Rng,
} from '@tessera/cluster';
import {
  ControlClient,
  ControlMember,
  ControlService,
  DataNode,
  defaultSplitThresholdBytes,
  KvClient,
  KvService,
  LocalNetwork,
  MemoryNetwork,
  physicalFromUnixMs,
  SliceGroupLayout,
} from '@tessera/cluster';
import { cryptoSeededRng, SystemClock } from '@tessera/host';
import type { ClusterOpOutcome } from '@tessera/sql';
import {
  keyHasherOfSlice,
  refreshRouting,
  RoutingTable,
  sqlKeyHasher,
  sqlKeyHasherName,
  zoneNameProblem,
} from '@tessera/sql';
import { LmdbEngine } from '@tessera/storage';
import type { ScanProcessor } from '@tessera/storage';
import {
  ClusterSliceKv,
  ControlTimestampSource,
  routerFromFunction,
  TxnClient,
} from '@tessera/txn';
import type { Router } from '@tessera/txn';
import { seedTableName } from '../roles/cluster-spec';
import { startNodeAgent } from '../roles/node-agent';
import type { NodeAgent, Placed } from '../roles/node-agent';
import { TableSeeder } from '../roles/table-seeder';
import { changeNodeState } from './node-state';
import {
  hashRangeHex,
  placementOnlyLabel,
  representationLabels,
  sliceLoads,
} from './slice-overview';
import type { RepresentationLabel } from './slice-overview';

export interface EmbeddedClusterOptions {
  /** Where the members keep their LMDB environments (one directory each). */
  readonly dir: string;
  readonly nodes?: readonly { readonly id: number; readonly zone: string }[];
  readonly controlMembers?: readonly number[];
  readonly table?: { readonly slices: number; readonly replicas: number; readonly loggers: number };
  /** How long `start` waits for the table to be placed before returning anyway (default 30 s). */
  readonly placeTimeoutMs?: number;
  /** How long `addNode` waits for the control plane to register the new node (default 10 s). */
  readonly registerTimeoutMs?: number;
  /**
   * Scan processors every data node runs scan programs with, by name (e.g. 'sql' for the SQL
   * engine's pushed-down filters and aggregates); a scan naming another answers
   * `programRefused`. None by default.
   */
  readonly scanProcessors?: ReadonlyMap<string, ScanProcessor>;
  /**
   * A slice whose largest copy holds more bytes splits in two by hash range (the
   * rebalancer's split: packages/cluster/src/control/split-planner.ts). Default 512 MiB.
   */
  readonly splitThresholdBytes?: number;
  /**
   * The rebalancer evens out bytes per node once the nodes hold this much on average, copies
   * per node below it (packages/cluster/src/control/rebalancer-moves.ts). Default 16 MiB.
   */
  readonly balanceByBytesMin?: number;
}

interface RunningNode {
  readonly id: number;
  readonly zone: string;
  readonly engine: LmdbEngine;
  readonly node: DataNode;
  readonly service: KvService;
  readonly control: ControlClient;
  readonly agent: NodeAgent;
}

interface RunningMember {
  readonly id: number;
  readonly engine: LmdbEngine;
  readonly member: ControlMember;
  readonly service: ControlService;
  readonly seeder: TableSeeder;
}

/** A data node's id and zone. */
export interface NodeSpec {
  readonly id: number;
  readonly zone: string;
}

/** Client ids on the in-process networks start here, far above any data node's id. */
const firstClientId = 1_000_000;

/** The longest a call refused as the wrong slice waits for a newer slice map (ms). */
const splitMapWaitMaxMs = 2_000;

/**
 * A node's load report older than this (ms, by the leader's clock) no longer gives rates: nodes
 * report every 500 ms, so a node silent this long is stopped or cut off and serves nothing.
 */
const loadReportStaleMs = 3_000;

/**
 * A node's bytes, reads/s and writes/s, summed over the replicas of its latest report (reads are
 * asked of ranking replicas, so they are its leaders' reads). Bytes stay after it falls silent
 * (its disk still holds them); the rates do not.
 */
function nodeLoad(
  report: NodePositions | undefined,
  nowMs: number,
): Pick<NodeOverview, 'bytes' | 'readsPerSec' | 'writesPerSec'> {
  if (report === undefined) return { bytes: null, readsPerSec: null, writesPerSec: null };
  const fresh = nowMs - report.atMs <= loadReportStaleMs;
  let bytes = 0;
  let reads: number | null = null;
  let writes: number | null = null;
  for (const r of report.replicas) {
    bytes += r.bytes ?? 0;
    if (fresh && r.readsPerSec !== undefined) reads = (reads ?? 0) + r.readsPerSec;
    if (fresh && r.writesPerSec !== undefined) writes = (writes ?? 0) + r.writesPerSec;
  }
  // A node holding no replicas reports none: it serves nothing, which is a known zero.
  if (fresh && report.replicas.length === 0) return { bytes, readsPerSec: 0, writesPerSec: 0 };
  return { bytes, readsPerSec: reads, writesPerSec: writes };
}

/**
 * The rebalancer's state from its history: tasks still `running` (the history rewrites an
 * entry's state when its task ends) and when it last decided anything (the newest entry).
 */
function rebalancerStatus(history: readonly RebalancerActivity[]): RebalancerStatus {
  let running = 0;
  for (const a of history) if (a.state === 'running') running++;
  const last = history[history.length - 1];
  return { running, lastDecisionAt: last === undefined ? null : new Date(last.atMs) };
}

export const defaultEmbeddedNodes = [
  { id: 1, zone: 'a' },
  { id: 2, zone: 'b' },
  { id: 3, zone: 'c' },
] as const;

/** `count` data nodes with ids 1..count in zones a, b, c in turn (`tessera serve --nodes`). */
export function embeddedNodes(count: number): { id: number; zone: string }[] {
  const zones = ['a', 'b', 'c'];
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    zone: zones[i % zones.length] ?? 'a',
  }));
}

/**
 * The embedded default: the same roles as a multi-process cluster — a 3-member control plane
 * and data nodes in zones — in this one process, each member over its own LMDB environment
 * under `dir`, talking over in-process networks instead of TCP. The control plane registers the
 * nodes and places the seed table exactly as it does across processes (node-agent.ts,
 * table-seeder.ts), so what runs here is what runs there.
 *
 * The set of data nodes changes at runtime: `addNode` starts one more (the next free id, its
 * own `node-<id>` directory, a zone) through the same `openNode` as the first ones, so it is
 * on the same networks and registers with its agent's heartbeat like them; `drainNode` and
 * `removeNode` are control-plane commands (node-state.ts), and a removed node is stopped and
 * closed here. A restart of the process opens the configured nodes plus those the control
 * plane's recovered registry holds (added ones), and leaves out removed ones. Add, remove and
 * restart run one at a time (`serially`).
 */
export class EmbeddedCluster {
  private readonly clock = new SystemClock();
  private readonly peerNet: MemoryNetwork<NodeMessage>;
  private readonly kvNet: LocalNetwork<KvMessage>;
  private readonly controlNet: LocalNetwork<ControlMessage>;
  private readonly nodes = new Map<number, RunningNode>();
  private readonly members = new Map<number, RunningMember>();
  /** The data nodes this process runs (or has crashed): configured, recovered and added. */
  private nodeSpecs: readonly NodeSpec[];
  /** Ids of nodes removed while this process ran (never reused). */
  private readonly retired = new Set<number>();
  /** The tail of the add / remove / restart queue (`serially`). */
  private nodeOps: Promise<unknown> = Promise.resolve();
  /** The control client node-state commands go through (made on first use). */
  private opsClient: ControlClient | undefined;
  private readonly memberIds: readonly number[];
  private readonly table: {
    readonly slices: number;
    readonly replicas: number;
    readonly loggers: number;
  };
  private readonly placedBy = new Map<number, Promise<Placed>>();
  private seedTimer: { cancel(): void } | undefined;
  private closed = false;
  /** Nodes `restartNode` is reopening (their entry in `nodes` is the stopped one until then). */
  private readonly restarting = new Set<number>();
  private nextClientId = firstClientId;
  private readonly clients: { close(): void }[] = [];
  /** The catalog's representation labels (`labelsOf`), for one catalog snapshot. */
  private labels:
    | { readonly catalog: CatalogSnapshot; readonly byId: Map<number, RepresentationLabel> }
    | undefined;
  /** `membersOfGroup`'s answers for one control state (see there). */
  private groupMembers:
    | {
        readonly state: object;
        readonly version: number;
        readonly byGroup: Map<number, readonly number[]>;
      }
    | undefined;

  private constructor(private readonly options: EmbeddedClusterOptions) {
    this.nodeSpecs = options.nodes ?? defaultEmbeddedNodes;
    this.memberIds = options.controlMembers ?? [101, 102, 103];
    this.table = options.table ?? {
      slices: this.nodeSpecs.length,
      replicas: Math.min(2, this.nodeSpecs.length),
      loggers: this.nodeSpecs.length >= 3 ? 1 : 0,
    };
    // Client traffic (KV, control) in microtask batches: measured a third faster for point
    // reads than one event-loop hop per message (bench/README.md). Raft traffic per clock.defer.
    const microtask = (fn: () => void) => {
      queueMicrotask(fn);
    };
    this.peerNet = new MemoryNetwork<NodeMessage>({ clock: this.clock });
    this.kvNet = new LocalNetwork<KvMessage>({ clock: this.clock, microtask });
    this.controlNet = new LocalNetwork<ControlMessage>({ clock: this.clock, microtask });
  }

  /** Starts every member and node; resolves once the seed table is placed (or the wait ends). */
  static async start(options: EmbeddedClusterOptions): Promise<EmbeddedCluster> {
    const cluster = new EmbeddedCluster(options);
    try {
      await cluster.startAll();
    } catch (error) {
      await cluster.close();
      throw error;
    }
    return cluster;
  }

  /** Whether every node created (or recovered) the replicas the slice map gives it. */
  async placed(timeoutMs: number): Promise<boolean> {
    let timer: { cancel(): void } | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = this.clock.setTimer(timeoutMs, () => {
        resolve(false);
      });
    });
    const all = Promise.all(this.placedBy.values()).then(() => true as const);
    const done = await Promise.race([all, timeout]);
    timer?.cancel();
    return done;
  }

  /**
   * The control plane, nodes, tables and slices as this process sees them now. The console
   * polls it twice a second (and the metrics recorder once), so it is one pass over the slice
   * map with everything else derived once per call: the nodes' replica statuses, the load
   * reports by group, the catalog's names (once per catalog version).
   */
  overview(): ClusterOverview {
    const memberStatus = [...this.members.values()].map(({ id, member }) => {
      const st = member.status();
      return {
        id,
        up: !member.isClosed,
        raftRole: st.raft.role,
        term: st.raft.term,
        applied: st.applied,
        serving: st.leaseHeld,
      };
    });
    const leaderId = memberStatus.find((m) => m.serving)?.id ?? null;
    // The freshest state: the serving leader's, else any member's (the highest applied).
    const source =
      (leaderId === null ? undefined : this.members.get(leaderId)) ??
      [...this.members.values()].sort(
        (a, b) => b.member.status().applied - a.member.status().applied,
      )[0];
    const state = source?.member.current;
    // Each running node's replicas (a stopped node's members are 'down'), in their cheap form.
    const replicaBriefs = new Map<number, Map<number, ReplicaBrief>>();
    for (const n of this.nodes.values()) {
      if (n.node.isClosed) continue;
      replicaBriefs.set(n.id, new Map(n.node.replicaBriefs().map((r) => [r.groupId, r])));
    }
    // Load as the nodes reported it in their heartbeats (the serving leader's soft state, read
    // in process: no round trip), so only while a member serves.
    const reportList = leaderId === null ? [] : (source?.member.replicaPositions() ?? []);
    const reports = new Map(reportList.map((p) => [p.nodeId, p]));
    const now = this.clock.now();
    const loads = sliceLoads(reportList, now, loadReportStaleMs);
    const labels =
      state === undefined
        ? new Map<number, RepresentationLabel>()
        : this.labelsOf(state.sqlCatalog);
    const representations = state?.slicePlacement.representations ?? [];
    const slices = representations.flatMap((table) => {
      const label = labels.get(table.id) ?? placementOnlyLabel(table.name);
      const layout = new SliceGroupLayout(table);
      return layout.groups.map((group, i): SliceOverview => {
        const slice = table.slices[i];
        const briefs = group.members.map((m) => replicaBriefs.get(m.nodeId)?.get(group.groupId));
        const leaderAt = briefs.findIndex((r) => r?.raftRole === 'leader');
        const leaderNode = group.members[leaderAt]?.nodeId;
        // Lag by applied index, against the leader's: the leader's last index would need its
        // full Raft status (progress, configuration), three times the whole overview's cost.
        const leaderApplied = briefs[leaderAt]?.applied;
        const members: SliceMemberOverview[] = group.members.map((m, at) => {
          const r = briefs[at];
          return {
            node: m.nodeId,
            role: m.role,
            raftRole: r === undefined ? 'down' : r.raftRole,
            applied: r?.applied ?? 0,
            appliedCommitTs: r?.appliedCommitTs ?? 0,
            lag:
              r === undefined || leaderApplied === undefined
                ? null
                : Math.max(0, leaderApplied - r.applied),
          };
        });
        // Fields one by one, not spread: at 500 slices a spread of the label, range and load
        // objects was most of the overview's time (V8 builds spread objects slowly).
        const range = slice === undefined ? undefined : hashRangeHex(slice.range);
        const load = loads.of(group.groupId);
        return {
          table: label.table,
          database: label.database,
          tableName: label.tableName,
          index: label.index,
          sliceId: slice?.id ?? group.groupId - 1,
          groupId: group.groupId,
          hashStart: range?.hashStart ?? '',
          hashEnd: range?.hashEnd ?? '',
          bytes: load.bytes,
          readsPerSec: load.readsPerSec,
          writesPerSec: load.writesPerSec,
          rankingNode: group.rankingNode,
          leader: leaderNode ?? null,
          members,
        };
      });
    });
    const registry = new Map((state?.clusterNodes() ?? []).map((n) => [n.id, n]));
    const perNode = new Map<number, { replicas: number; loggers: number; leading: number }>();
    for (const s of slices) {
      for (const m of s.members) {
        const counts = perNode.get(m.node) ?? { replicas: 0, loggers: 0, leading: 0 };
        if (m.role === 'logger') counts.loggers++;
        else counts.replicas++;
        if (s.leader === m.node) counts.leading++;
        perNode.set(m.node, counts);
      }
    }
    return {
      mode: 'embedded',
      controlPlane: { leader: leaderId, members: memberStatus },
      nodes: this.nodeSpecs.map(({ id, zone }) => ({
        id,
        zone,
        state: registry.get(id)?.state ?? 'down',
        running: this.nodes.get(id)?.node.isClosed === false,
        replicas: perNode.get(id)?.replicas ?? 0,
        leading: perNode.get(id)?.leading ?? 0,
        loggers: perNode.get(id)?.loggers ?? 0,
        ...nodeLoad(reports.get(id), now),
      })),
      tables: representations.map((r) => ({
        name: (labels.get(r.id) ?? placementOnlyLabel(r.name)).table,
        slices: r.slices.length,
        replicas: r.slices[0]?.members.filter((m) => m.role === 'replica').length ?? 0,
        loggers: r.slices[0]?.members.filter((m) => m.role === 'logger').length ?? 0,
      })),
      slices,
      splitThresholdBytes: this.options.splitThresholdBytes ?? defaultSplitThresholdBytes,
      rebalancer: rebalancerStatus(state?.rebalancerActivity ?? []),
    };
  }

  /**
   * Each node's busy time (ms serving reads and applying entries since it started) as its
   * latest report to the serving leader says, with when the leader received it; none while no
   * member serves. The metrics recorder turns two of them into a busy share.
   */
  nodeBusyTimes(): Map<number, { readonly busyMs: number; readonly atMs: number }> {
    const leader = [...this.members.values()].find((m) => m.member.status().leaseHeld);
    const busy = new Map<number, { busyMs: number; atMs: number }>();
    for (const report of leader?.member.replicaPositions() ?? []) {
      if (report.busyMs !== undefined) {
        busy.set(report.nodeId, { busyMs: report.busyMs, atMs: report.atMs });
      }
    }
    return busy;
  }

  /** The catalog's representation labels, derived again only when the catalog changed. */
  private labelsOf(catalog: CatalogSnapshot): Map<number, RepresentationLabel> {
    if (this.labels?.catalog !== catalog) {
      this.labels = { catalog, byId: representationLabels(catalog) };
    }
    return this.labels.byId;
  }

  /** A control-plane client (state, commands, timestamps), as a gateway or the console holds. */
  controlClient(): ControlClient {
    const id = this.nextClientId++;
    const { rng } = cryptoSeededRng();
    const control = new ControlClient({
      transport: this.controlNet.connect(id),
      clock: this.clock,
      rng,
      members: this.memberIds,
    });
    this.clients.push(control);
    return control;
  }

  /**
   * Stops one data node as a crash of its process would: no more heartbeats, Raft traffic or
   * KV answers (its engine stays open until `close`, unsynced writes included, so this is a
   * kill without disk loss). It does not come back: the control plane marks it down after
   * `nodeDownAfterMs` and re-ranks its slices; `restartNode` brings it back. `ALTER CLUSTER
   * KILL NODE` (clusterOpsPort) calls it.
   */
  stopNode(id: number): void {
    const running = this.nodes.get(id);
    if (running === undefined) throw new RangeError(`no data node ${id} in this cluster`);
    if (running.node.isClosed) throw new Error(`data node ${id} is not running`);
    crash(running);
  }

  /**
   * Brings back a node `stopNode` crashed, as a restart of its process would: its engine is
   * closed (what it held is on disk) and the node reopened from its own directory exactly as
   * `start` opens it (`openNode`). Its replicas recover from the engine and catch up from their
   * leaders (log or snapshot); its agent's heartbeat marks it up again. Resolves once the node
   * runs (catching up continues in the background).
   */
  restartNode(id: number): Promise<void> {
    return this.serially(() => this.restartNow(id));
  }

  private async restartNow(id: number): Promise<void> {
    const stopped = this.nodes.get(id);
    if (stopped === undefined) throw new RangeError(`no data node ${id} in this cluster`);
    if (!stopped.node.isClosed || this.restarting.has(id)) {
      throw new Error(`data node ${id} is already running`);
    }
    if (this.closed) throw new Error('the embedded cluster is closed');
    this.restarting.add(id);
    try {
      await stopped.engine.close();
      const restarted = await this.openNode(stopped, cryptoSeededRng().rng);
      this.nodes.set(id, restarted);
      // `close` ran meanwhile and closed the old entry only: close what was just opened.
      if (this.closedDuringAwait()) {
        crash(restarted);
        await restarted.engine.close();
      }
    } finally {
      this.restarting.delete(id);
    }
  }

  /** `closed`, read after an await (a method call, so no stale narrowing applies). */
  private closedDuringAwait(): boolean {
    return this.closed;
  }

  /** Whether data node `id` runs (undefined: no such node). */
  isRunning(id: number): boolean | undefined {
    const running = this.nodes.get(id);
    if (running === undefined) return undefined;
    return !running.node.isClosed && !this.restarting.has(id);
  }

  /**
   * Starts one more data node, in `zone` or (undefined) in the zone with the fewest nodes, and
   * resolves once the control plane has registered it: the next id no node ever had, its own
   * engine directory `node-<id>`, wired exactly as the first nodes (`openNode`). The rebalancer
   * then moves slices to it. Throws a RangeError for a zone name that is not one, and an Error
   * when the cluster is closed or the registration does not happen in `registerTimeoutMs` (the
   * node keeps running and registers when the control plane answers).
   */
  addNode(zone?: string): Promise<NodeSpec> {
    return this.serially(() => this.addNow(zone));
  }

  private async addNow(zone: string | undefined): Promise<NodeSpec> {
    if (this.closed) throw new Error('the embedded cluster is closed');
    const problem = zone === undefined ? undefined : zoneNameProblem(zone);
    if (problem !== undefined)
      throw new RangeError(`'${zone ?? ''}' is not a zone name: ${problem}`);
    const spec: NodeSpec = { id: this.nextNodeId(), zone: zone ?? this.emptiestZone() };
    const opened = await this.openNode(spec, cryptoSeededRng().rng);
    if (this.closedDuringAwait()) {
      crash(opened);
      await opened.engine.close();
      throw new Error('the embedded cluster is closed');
    }
    this.nodeSpecs = [...this.nodeSpecs, spec];
    this.nodes.set(spec.id, opened);
    await this.registered(spec.id, this.options.registerTimeoutMs ?? 10_000);
    return spec;
  }

  /**
   * Marks data node `id` draining in the control plane (the rebalancer empties it in the
   * background); `unknownNode` when the registry has no such node, `refused` with the control
   * plane's reason.
   */
  drainNode(id: number): Promise<ClusterOpOutcome> {
    return changeNodeState(this.opsControl(), id, 'draining');
  }

  /**
   * Marks data node `id` removed in the control plane — refused while it still hosts slice
   * members (drain it first) — and then stops it here as a crash would and closes its engine
   * (its directory stays on disk). The node leaves `nodeIds()` and the overview; its id is never
   * given again.
   */
  removeNode(id: number): Promise<ClusterOpOutcome> {
    return this.serially(async () => {
      const outcome = await changeNodeState(this.opsControl(), id, 'removed');
      if (outcome.kind === 'done') await this.retire(id);
      return outcome;
    });
  }

  /** The data nodes' ids: configured, recovered and added, less the removed ones. */
  nodeIds(): readonly number[] {
    return this.nodeSpecs.map((n) => n.id);
  }

  /** Replica groups each running node hosts now (for tests and status). */
  hostedGroups(): Map<number, number[]> {
    return new Map(
      [...this.nodes.values()].map((n) => [n.id, n.node.groupIds().sort((a, b) => a - b)]),
    );
  }

  /**
   * A transaction client over this cluster that routes keys with `router` (the SQL engine's
   * routing table, refreshed from the catalog as tables come and go): timestamps from the
   * control plane, KV requests to the leaders of the groups the router names.
   */
  txnClientFor(router: Router, membersOf: (groupId: number) => readonly number[]): TxnClient {
    const id = this.nextClientId++;
    const { rng } = cryptoSeededRng();
    const control = new ControlClient({
      transport: this.controlNet.connect(id),
      clock: this.clock,
      rng: rng.fork(),
      members: this.memberIds,
    });
    this.clients.push(control);
    const kv = new KvClient({
      transport: this.kvNet.connect(id),
      clock: this.clock,
      rng: rng.fork(),
      membersOf,
    });
    this.clients.push(kv);
    // A split moves keys to a new group: calls refused by the old one are routed again by the
    // freshest slice map (the SQL engine's routing table, refreshed here from the control state).
    const routing =
      router instanceof RoutingTable
        ? router.sliceRouting(() => this.refreshSplitRouting(router))
        : undefined;
    return new TxnClient({
      kv: new ClusterSliceKv({ client: kv, ...(routing === undefined ? {} : { routing }) }),
      router,
      timestamps: new ControlTimestampSource(control),
      clock: this.clock,
      rng: rng.fork(),
      physicalNow: () => physicalFromUnixMs(this.clock.now()),
    });
  }

  /**
   * After a group refused a call as the wrong slice (a split): waits until the control state
   * moves past the version the routing table was built from (the parent applies the split
   * about a second before the map finishes it), checking every 20 ms for at most
   * `splitMapWaitMaxMs`, then rebuilds the routing table from the freshest applied state.
   */
  private async refreshSplitRouting(table: RoutingTable): Promise<void> {
    const seen = table.catalogVersion;
    const started = this.clock.now();
    do {
      await new Promise<void>((resolve) => {
        this.clock.setTimer(20, resolve);
      });
    } while (
      (this.freshestState()?.stateVersion ?? seen) <= seen &&
      this.clock.now() - started < splitMapWaitMaxMs
    );
    const state = this.freshestState();
    if (state === undefined) return;
    refreshRouting(table, {
      version: state.stateVersion,
      databases: [],
      tables: state.sqlCatalog.tables,
      representations: state.slicePlacement.representations,
      accounts: [],
    });
  }

  /**
   * The rebalancer's history from the freshest applied control state, newest first: at most
   * `limit` entries, with ids below `beforeId` when given (the console pages back with it),
   * about `slice` only when given (a slice's history).
   */
  rebalancerActivity(query: RebalancerActivityQuery): RebalancerActivityEntry[] {
    const history = this.freshestState()?.rebalancerActivity ?? [];
    const entries: RebalancerActivityEntry[] = [];
    for (let i = history.length - 1; i >= 0 && entries.length < query.limit; i--) {
      const a = history[i];
      if (a === undefined || (query.beforeId !== undefined && a.id >= query.beforeId)) continue;
      if (query.slice !== undefined && a.sliceId !== query.slice) continue;
      entries.push({
        id: a.id,
        time: new Date(a.atMs),
        action: a.action,
        slice: a.sliceId < 0 ? null : a.sliceId, // a node-level entry (`drained`) has no slice
        representation: a.representation,
        fromNode: a.from === 0 ? null : a.from,
        toNode: a.to === 0 ? null : a.to,
        reason: a.reason,
        state: a.state,
        bytes: a.bytes,
        durationMs: a.durationMs,
      });
    }
    return entries;
  }

  /**
   * The data members of a replication group by the control plane's current slice map (the
   * ranking replica first), for KV clients: read from the freshest applied control state.
   */
  membersOfGroup(groupId: number): readonly number[] {
    // The freshest applied state in this process: the member that applied the most (the
    // serving leader has applied everything committed, so this is at least as fresh as its).
    const state = this.freshestState();
    if (state === undefined) return [];
    // Asked once per KV request: the groups' members are derived once per state version (the
    // state is changed in place, bumping its version, or replaced by a snapshot install).
    const version = state.stateVersion;
    const cached = this.groupMembers;
    let byGroup =
      cached?.state === state && cached.version === version ? cached.byGroup : undefined;
    if (byGroup === undefined) {
      byGroup = new Map();
      for (const representation of state.slicePlacement.representations) {
        const layout = new SliceGroupLayout(representation);
        for (const group of layout.groups) {
          const members = layout.membersOf(group.groupId);
          if (!byGroup.has(group.groupId) && members.length > 0)
            byGroup.set(group.groupId, members);
        }
      }
      this.groupMembers = { state, version, byGroup };
    }
    return byGroup.get(groupId) ?? [];
  }

  /**
   * A transaction client of the seed table, as a gateway holds one: keys routed by the seed
   * table's slices, each slice's members as the control plane's map has them now (slices move
   * between nodes), timestamps from the control plane, KV requests to the slices' leaders.
   * Waits for the seed table.
   */
  async txnClient(): Promise<TxnClient> {
    const id = this.nextClientId++;
    const { rng } = cryptoSeededRng();
    const control = new ControlClient({
      transport: this.controlNet.connect(id),
      clock: this.clock,
      rng: rng.fork(),
      members: this.memberIds,
    });
    this.clients.push(control);
    let layout: SliceGroupLayout | undefined;
    for (let attempt = 0; layout === undefined; attempt++) {
      if (this.closed) throw new Error('the embedded cluster is closed');
      const state = await control.state().catch(() => undefined);
      const table = state?.placement.representations.find((r) => r.name === seedTableName);
      if (table !== undefined) layout = new SliceGroupLayout(table);
      else if (attempt > 300) throw new Error('the control plane did not place the seed table');
      else await new Promise<void>((resolve) => this.clock.setTimer(100, resolve));
    }
    const slices = layout;
    const kv = new KvClient({
      transport: this.kvNet.connect(id),
      clock: this.clock,
      rng: rng.fork(),
      // Live membership (the control plane's current map): slices move between nodes.
      membersOf: (groupId) => this.membersOfGroup(groupId),
    });
    this.clients.push(kv);
    return new TxnClient({
      kv: new ClusterSliceKv({ client: kv }),
      router: routerFromFunction(slices.groupIds, (key) => slices.groupOfKey(key)),
      timestamps: new ControlTimestampSource(control),
      clock: this.clock,
      rng: rng.fork(),
      physicalNow: () => physicalFromUnixMs(this.clock.now()),
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.seedTimer?.cancel();
    for (const client of this.clients) client.close();
    // A node being restarted: its old engine is closing and `restartNode` closes the new one.
    const nodes = [...this.nodes.values()].filter((n) => !this.restarting.has(n.id));
    for (const n of nodes) crash(n);
    for (const m of this.members.values()) {
      m.service.close();
      m.member.close();
    }
    await Promise.all([
      ...nodes.map((n) => n.engine.close()),
      ...[...this.members.values()].map((m) => m.engine.close()),
    ]);
  }

  /** Runs node operations that await (add, remove, restart) one after another. */
  private serially<T>(op: () => Promise<T>): Promise<T> {
    const run = this.nodeOps.then(op, op);
    this.nodeOps = run.catch(() => undefined);
    return run;
  }

  private opsControl(): ControlClient {
    this.opsClient ??= this.controlClient();
    return this.opsClient;
  }

  /** The next node id: above every node this process or the registry knows, off the members'. */
  private nextNodeId(): number {
    const state = this.freshestState();
    const known = [
      ...this.nodeSpecs.map((n) => n.id),
      ...this.retired,
      ...(state?.clusterNodes().map((n) => n.id) ?? []),
    ];
    let id = Math.max(0, ...known) + 1;
    while (this.memberIds.includes(id) || state?.node(id) !== undefined) id++;
    if (id >= firstClientId) throw new Error(`no free data node id below ${firstClientId}`);
    return id;
  }

  /** The zone with the fewest data nodes here (ties: the first by name). */
  private emptiestZone(): string {
    const count = new Map<string, number>();
    for (const { zone } of this.nodeSpecs) count.set(zone, (count.get(zone) ?? 0) + 1);
    const zones = [...count].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
    return zones[0]?.[0] ?? 'a';
  }

  /** Waits until the control plane's registry has node `id` up (as some member applied it). */
  private async registered(id: number, timeoutMs: number): Promise<void> {
    const deadline = this.clock.now() + timeoutMs;
    while (this.freshestState()?.node(id)?.state !== 'up') {
      if (this.closedDuringAwait()) throw new Error('the embedded cluster is closed');
      if (this.clock.now() >= deadline) {
        throw new Error(
          `data node ${id} started but the control plane did not register it within ${timeoutMs} ms (it keeps trying)`,
        );
      }
      await new Promise<void>((resolve) => this.clock.setTimer(50, resolve));
    }
  }

  /** Stops a removed node for good: out of the running set, its engine closed. */
  private async retire(id: number): Promise<void> {
    this.retired.add(id);
    this.nodeSpecs = this.nodeSpecs.filter((n) => n.id !== id);
    this.placedBy.delete(id);
    const running = this.nodes.get(id);
    this.nodes.delete(id);
    if (running === undefined) return;
    if (!running.node.isClosed) crash(running);
    await running.engine.close();
  }

  /** The freshest control state applied in this process (the member that applied the most). */
  private freshestState(): ControlState | undefined {
    let state: ControlState | undefined;
    for (const { member } of this.members.values()) {
      const current = member.current;
      if (state === undefined || current.stateVersion > state.stateVersion) state = current;
    }
    return state;
  }

  private async startAll(): Promise<void> {
    const { rng } = cryptoSeededRng();
    for (const id of this.memberIds) {
      const engine = await openEngine(join(this.options.dir, `control-${id}`));
      const member = new ControlMember({
        nodeId: id,
        members: this.memberIds,
        clock: this.clock,
        rng: rng.fork(),
        transport: this.peerNet.connect(id),
        engine,
        physicalNow: () => physicalFromUnixMs(this.clock.now()),
        options: {
          ...(this.options.splitThresholdBytes === undefined
            ? {}
            : { splitThresholdBytes: this.options.splitThresholdBytes }),
          ...(this.options.balanceByBytesMin === undefined
            ? {}
            : { balanceByBytesMin: this.options.balanceByBytesMin }),
        },
      });
      const service = new ControlService(member, this.controlNet.connect(id));
      const seeder = new TableSeeder(
        member,
        this.nodeSpecs.map((n) => n.id),
        {
          name: seedTableName,
          sliceCount: this.table.slices,
          replicas: this.table.replicas,
          loggers: this.table.loggers,
        },
      );
      this.members.set(id, { id, engine, member, service, seeder });
    }
    const seed = () => {
      if (this.closed) return;
      for (const m of this.members.values()) m.seeder.tick();
      this.seedTimer = this.clock.setTimer(200, seed);
    };
    seed();
    this.nodeSpecs = this.nodesToOpen();
    for (const spec of this.nodeSpecs) this.nodes.set(spec.id, await this.openNode(spec, rng));
    const deadline = this.clock.now() + (this.options.placeTimeoutMs ?? 30_000);
    if (!(await this.placed(deadline - this.clock.now()))) return;
    // Serving means led: wait (bounded) until every slice and the control plane have a leader.
    while (this.clock.now() < deadline) {
      const o = this.overview();
      if (o.controlPlane.leader !== null && o.slices.every((s) => s.leader !== null)) return;
      await new Promise<void>((resolve) => this.clock.setTimer(50, resolve));
    }
  }

  /**
   * The nodes a start opens: the configured ones and those the recovered registry holds besides
   * (added at runtime before a restart; in-process nodes have no address), less the removed
   * ones. A first start has an empty registry: the configured nodes.
   */
  private nodesToOpen(): NodeSpec[] {
    const registry = this.freshestState();
    const configured = this.nodeSpecs.filter((n) => registry?.node(n.id)?.state !== 'removed');
    const added = (registry?.clusterNodes() ?? [])
      .filter((n) => !configured.some((c) => c.id === n.id) && registry?.node(n.id)?.address === '')
      .map((n) => ({ id: n.id, zone: n.zone }));
    return [...configured, ...added];
  }

  /**
   * Opens one data node from its own engine directory (`node-<id>`) and starts its agent: a
   * first start founds the replicas the slice map places here; a restart recovers them from
   * the engine (the agent re-registers with its heartbeat, then reconciles with the map).
   */
  private async openNode(
    spec: { readonly id: number; readonly zone: string },
    rng: Rng,
  ): Promise<RunningNode> {
    const { id, zone } = spec;
    const engine = await openEngine(join(this.options.dir, `node-${id}`));
    const node = new DataNode({
      nodeId: id,
      clock: this.clock,
      rng: rng.fork(),
      transport: this.peerNet.connect(id),
      engine,
      scanProcessors: this.options.scanProcessors,
      // Split orders name the SQL layer's key hasher (its table's distribution columns).
      keyHashers: new Map([[sqlKeyHasherName, sqlKeyHasher]]),
    });
    const service = new KvService(node, this.kvNet.connect(id));
    const control = new ControlClient({
      transport: this.controlNet.connect(id),
      clock: this.clock,
      rng: rng.fork(),
      members: this.memberIds,
    });
    const agent = startNodeAgent({
      nodeId: id,
      zone,
      address: '',
      node,
      engine,
      control,
      clock: this.clock,
      splitHasherFor: (state, sliceId) =>
        keyHasherOfSlice(state.catalog?.tables ?? [], state.placement.representations, sliceId),
    });
    this.placedBy.set(id, agent.placed);
    return { id, zone, engine, node, service, control, agent };
  }
}

/** Stops a node as its process dying would: agent, control client, KV service, node (not its engine). */
function crash(n: RunningNode): void {
  n.agent.stop();
  n.control.close();
  n.service.close();
  n.node.close();
}

async function openEngine(path: string): Promise<LmdbEngine> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  return LmdbEngine.open({ path });
}
