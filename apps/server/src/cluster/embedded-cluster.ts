import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterOverview, SliceMemberOverview } from '@tessera/api';
import type { ControlMessage, ControlState, KvMessage, NodeMessage, Rng } from '@tessera/cluster';
import {
  ControlClient,
  ControlMember,
  ControlService,
  DataNode,
  KvClient,
  KvService,
  LocalNetwork,
  MemoryNetwork,
  physicalFromUnixMs,
  SliceGroupLayout,
} from '@tessera/cluster';
import { cryptoSeededRng, SystemClock } from '@tessera/host';
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

export interface EmbeddedClusterOptions {
  /** Where the members keep their LMDB environments (one directory each). */
  readonly dir: string;
  readonly nodes?: readonly { readonly id: number; readonly zone: string }[];
  readonly controlMembers?: readonly number[];
  readonly table?: { readonly slices: number; readonly replicas: number; readonly loggers: number };
  /** How long `start` waits for the table to be placed before returning anyway (default 30 s). */
  readonly placeTimeoutMs?: number;
  /**
   * Scan processors every data node runs scan programs with, by name (e.g. 'sql' for the SQL
   * engine's pushed-down filters and aggregates); a scan naming another answers
   * `programRefused`. None by default.
   */
  readonly scanProcessors?: ReadonlyMap<string, ScanProcessor>;
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

export const defaultEmbeddedNodes = [
  { id: 1, zone: 'a' },
  { id: 2, zone: 'b' },
  { id: 3, zone: 'c' },
] as const;

/**
 * The embedded default: the same roles as a multi-process cluster — a 3-member control plane
 * and data nodes in zones — in this one process, each member over its own LMDB environment
 * under `dir`, talking over in-process networks instead of TCP. The control plane registers the
 * nodes and places the seed table exactly as it does across processes (node-agent.ts,
 * table-seeder.ts), so what runs here is what runs there.
 */
export class EmbeddedCluster {
  private readonly clock = new SystemClock();
  private readonly peerNet: MemoryNetwork<NodeMessage>;
  private readonly kvNet: LocalNetwork<KvMessage>;
  private readonly controlNet: LocalNetwork<ControlMessage>;
  private readonly nodes = new Map<number, RunningNode>();
  private readonly members = new Map<number, RunningMember>();
  private readonly nodeSpecs: readonly { readonly id: number; readonly zone: string }[];
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
  private nextClientId = 1_000;
  private readonly clients: { close(): void }[] = [];
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
    const replicaStatus = new Map(
      [...this.nodes.values()].map((n) => [
        n.id,
        new Map(n.node.status().replicas.map((r) => [r.groupId, r])),
      ]),
    );
    const representations = state?.slicePlacement.representations ?? [];
    const slices = representations.flatMap((table) => {
      const layout = new SliceGroupLayout(table);
      return layout.groups.map((group, i) => {
        const leaderStatus = group.members
          .map((m) => replicaStatus.get(m.nodeId)?.get(group.groupId))
          .find((r) => r?.raftRole === 'leader');
        const lastIndex = leaderStatus?.lastIndex;
        const members: SliceMemberOverview[] = group.members.map((m) => {
          const r = replicaStatus.get(m.nodeId)?.get(group.groupId);
          return {
            node: m.nodeId,
            role: m.role,
            raftRole: r === undefined ? 'down' : r.raftRole,
            applied: r?.applied ?? 0,
            appliedCommitTs: r?.appliedCommitTs ?? 0,
            lag:
              r === undefined || lastIndex === undefined
                ? null
                : Math.max(0, lastIndex - r.lastIndex),
          };
        });
        return {
          table: table.name,
          sliceId: table.slices[i]?.id ?? group.groupId - 1,
          groupId: group.groupId,
          rankingNode: group.rankingNode,
          leader: members.find((m) => m.raftRole === 'leader')?.node ?? null,
          members,
        };
      });
    });
    const registry = new Map((state?.clusterNodes() ?? []).map((n) => [n.id, n]));
    return {
      mode: 'embedded',
      controlPlane: { leader: leaderId, members: memberStatus },
      nodes: this.nodeSpecs.map(({ id, zone }) => {
        const hosted = slices.flatMap((s) => s.members.filter((m) => m.node === id));
        return {
          id,
          zone,
          state: registry.get(id)?.state ?? 'down',
          running: this.nodes.get(id)?.node.isClosed === false,
          replicas: hosted.filter((m) => m.role !== 'logger').length,
          leading: slices.filter((s) => s.leader === id).length,
          loggers: hosted.filter((m) => m.role === 'logger').length,
        };
      }),
      tables: representations.map((r) => ({
        name: r.name,
        slices: r.slices.length,
        replicas: r.slices[0]?.members.filter((m) => m.role === 'replica').length ?? 0,
        loggers: r.slices[0]?.members.filter((m) => m.role === 'logger').length ?? 0,
      })),
      slices,
    };
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
  async restartNode(id: number): Promise<void> {
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

  /** The data nodes' ids, as configured. */
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
    return new TxnClient({
      kv: new ClusterSliceKv({ client: kv }),
      router,
      timestamps: new ControlTimestampSource(control),
      clock: this.clock,
      rng: rng.fork(),
      physicalNow: () => physicalFromUnixMs(this.clock.now()),
    });
  }

  /**
   * The data members of a replication group by the control plane's current slice map (the
   * ranking replica first), for KV clients: read from the freshest applied control state.
   */
  membersOfGroup(groupId: number): readonly number[] {
    // The freshest applied state in this process: the member that applied the most (the
    // serving leader has applied everything committed, so this is at least as fresh as its).
    let state: ControlState | undefined;
    for (const { member } of this.members.values()) {
      const current = member.current;
      if (state === undefined || current.stateVersion > state.stateVersion) state = current;
    }
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
   * A transaction client of this cluster, as a gateway holds one: the slice map and timestamps
   * from the control plane, KV requests to the slices' leaders. Waits for the seed table.
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
      membersOf: (groupId) => slices.membersOf(groupId),
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
