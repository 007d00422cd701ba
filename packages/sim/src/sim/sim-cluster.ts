import type { FaultPolicy, KvMessage, NodeMessage } from '@tessera/cluster';
import {
  DataNode,
  KvClient,
  KvService,
  MemoryNetwork,
  perfectNetwork,
  SeededRng,
  runSimulatedFor,
  runSimulatedUntil,
  SimClock,
  SliceGroupLayout,
} from '@tessera/cluster';
import type { ClusterNode } from '@tessera/placement';
import { planInitialPlacement } from '@tessera/placement';
import { MemoryEngine } from '@tessera/storage';

/**
 * A whole cluster in one thread (RFC 0002 "Simulation"): real data nodes, real Raft groups and
 * real MVCC stores, on a simulated clock, a simulated network (drop, delay, duplicate,
 * reorder, partition) and simulated disks (a crash loses what was not synced). Everything
 * random draws from one seed, so a run replays exactly.
 *
 * Topology: data nodes in zones; one table whose slices are placed by `@tessera/placement`
 * (replicas and loggers spread over zones), one Raft group per slice. Clients reach the
 * slices' leaders through `KvClient` on a separate client network, as a gateway would.
 */
export interface SimClusterOptions {
  readonly seed: number;
  readonly nodes: readonly { readonly id: number; readonly zone: string }[];
  readonly slices: number;
  readonly replicas: number;
  readonly loggers: number;
  readonly peerFaults: FaultPolicy;
  readonly clientFaults: FaultPolicy;
  /** Simulated fsync period of every disk (ms). */
  readonly diskSyncMs: number;
}

export const gatewayNodeId = 1_000;

export class SimCluster {
  readonly clock = new SimClock(1_000);
  readonly rng: SeededRng;
  readonly peerNet: MemoryNetwork<NodeMessage>;
  readonly clientNet: MemoryNetwork<KvMessage>;
  readonly layout: SliceGroupLayout;
  private readonly engines = new Map<number, MemoryEngine>();
  private readonly nodes = new Map<number, DataNode>();
  private readonly services = new Map<number, KvService>();

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
    const clusterNodes: ClusterNode[] = options.nodes.map((n) => ({
      id: n.id,
      zone: n.zone,
      state: 'up',
    }));
    this.layout = new SliceGroupLayout(
      planInitialPlacement(
        {
          id: 1,
          name: 'sim',
          replicas: options.replicas,
          loggers: options.loggers,
          sliceCount: options.slices,
        },
        clusterNodes,
      ),
    );
    for (const n of options.nodes) {
      this.engines.set(n.id, new MemoryEngine({ durability: 'manual' }));
      this.start(n.id);
    }
    for (const group of this.layout.groups) {
      for (const m of group.members)
        this.nodes.get(m.nodeId)?.createReplica({ ...group, bootstrap: true });
    }
    this.syncDisks();
  }

  /** Group ids, one per slice. */
  get groupIds(): number[] {
    return this.layout.groupIds;
  }

  /** The group holding `key`: the slice its distribution hash falls in. */
  groupOfKey(key: Uint8Array): number {
    return this.layout.groupOfKey(key);
  }

  /** Members of a group, the ranking replica first (where a client tries first). */
  membersOf(groupId: number): number[] {
    return this.layout.membersOf(groupId);
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

  upNodes(): number[] {
    return [...this.nodes.keys()].sort((a, b) => a - b);
  }

  /** A process kill: the node stops at once and its disk loses everything not yet synced. */
  crash(id: number): void {
    const node = this.nodes.get(id);
    if (node === undefined) return;
    this.services.get(id)?.close();
    this.services.delete(id);
    node.close();
    this.engines.get(id)?.crash();
    this.nodes.delete(id);
    this.peerNet.setDown(id, true);
    this.clientNet.setDown(id, true);
  }

  /**
   * Restarts a crashed node over its disk. A replica whose creation was lost in the crash
   * (never synced) is created again, as the control plane would re-issue it.
   */
  restart(id: number): void {
    if (this.nodes.has(id)) return;
    this.peerNet.setDown(id, false);
    this.clientNet.setDown(id, false);
    const node = this.start(id);
    for (const group of this.layout.groupsOf(id)) {
      if (node.replica(group.groupId) === undefined)
        node.createReplica({ ...group, bootstrap: true });
    }
  }

  heal(): void {
    this.peerNet.heal();
    this.clientNet.heal();
    this.peerNet.setFaults(perfectNetwork);
    this.clientNet.setFaults(perfectNetwork);
  }

  /** Throws if any node stopped on a broken invariant: that is a bug, never an operating error. */
  assertHealthy(): void {
    for (const [id, node] of this.nodes) {
      if (node.fatalError !== undefined) {
        throw new Error(`node ${id} stopped: ${node.fatalError.stack ?? node.fatalError.message}`);
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
      },
    });
  }

  /** Runs until `done()` holds or `maxMs` of simulated time pass; returns whether done. */
  async runUntil(done: () => boolean, maxMs: number, stepMs = 5): Promise<boolean> {
    return runSimulatedUntil(this.clock, done, maxMs, stepMs, {
      afterEvent: () => {
        this.assertHealthy();
      },
    });
  }

  close(): void {
    for (const id of [...this.nodes.keys()]) this.crash(id);
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
    });
    this.nodes.set(id, node);
    this.services.set(id, new KvService(node, this.clientNet.connect(id)));
    return node;
  }

  private syncDisks(): void {
    this.clock.setTimer(this.options.diskSyncMs, () => {
      for (const [id, engine] of this.engines) if (this.nodes.has(id)) engine.sync();
      this.syncDisks();
    });
  }
}
