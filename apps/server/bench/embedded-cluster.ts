// An embedded cluster for the benchmark: 3 data nodes in one process, each on its own LMDB
// environment (durable), the host's SystemClock, an in-process network for the peer and the
// client messages (LocalNetwork by default: FIFO batches drained in a microtask; MemoryNetwork,
// one setImmediate per message, for comparison), one Raft group per slice placed by
// @tessera/placement (2 replicas + 1 logger per slice), and a TxnClient over ClusterSliceKv.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KvMessage, NodeId, NodeMessage, Transport } from '@tessera/cluster';
import {
  SliceGroupLayout,
  DataNode,
  KvClient,
  KvService,
  LocalNetwork,
  MemoryNetwork,
  physicalFromUnixMs,
  SeededRng,
} from '@tessera/cluster';
import { SystemClock } from '@tessera/host';
import type { ClusterNode } from '@tessera/placement';
import { planInitialPlacement } from '@tessera/placement';
import { LmdbEngine } from '@tessera/storage';
import type { ScanProcessor } from '@tessera/storage';
import { LatencyRecorder } from './histogram';
import type { SliceKv, TimestampSource } from '@tessera/txn';
import {
  ClusterSliceKv,
  MemoryWindowStore,
  OracleTimestampSource,
  routerFromFunction,
  TxnClient,
} from '@tessera/txn';

export interface EmbeddedClusterOptions {
  readonly nodes: number;
  readonly slices: number;
  readonly replicas: number;
  readonly loggers: number;
  readonly seed: number;
  /**
   * The in-process transport of the peer (Raft) and of the client (KV) messages. Defaults:
   * `local` for clients; `memory` for peers (LocalNetwork made no measurable difference to the
   * fsync-bound commit path, see README).
   */
  readonly peerNetwork?: NetworkKind;
  readonly clientNetwork?: NetworkKind;
  /**
   * Scan processors every data node runs scan programs with, by name (e.g. 'sql' for the SQL
   * engine's pushed-down filters and aggregates). None by default.
   */
  readonly scanProcessors?: ReadonlyMap<string, ScanProcessor>;
}

/**
 * `local`: LocalNetwork, batches drained in a microtask (`queueMicrotask`, handed in by this
 * host code), yielding to the event loop every 1 024 messages; `local-defer`: LocalNetwork
 * with one `clock.defer` (setImmediate) per batch; `memory`: MemoryNetwork, one setImmediate
 * per message (the embedded default before LocalNetwork).
 */
export type NetworkKind = 'local' | 'local-defer' | 'memory';
export const networkKinds: readonly NetworkKind[] = ['local', 'local-defer', 'memory'];

interface InProcessNetwork<M> {
  connect(self: NodeId): Transport<M>;
}

function inProcessNetwork<M>(kind: NetworkKind, clock: SystemClock): InProcessNetwork<M> {
  switch (kind) {
    case 'local':
      return new LocalNetwork<M>({ clock, microtask: queueMicrotask });
    case 'local-defer':
      return new LocalNetwork<M>({ clock });
    case 'memory':
      return new MemoryNetwork<M>({ clock });
  }
}

const gatewayNodeId = 1_000;

export class EmbeddedCluster {
  readonly clock = new SystemClock();
  readonly rng: SeededRng;
  readonly layout: SliceGroupLayout;
  readonly timestamps: TimestampSource;
  private readonly peerNet: InProcessNetwork<NodeMessage>;
  private readonly clientNet: InProcessNetwork<KvMessage>;
  private readonly dirs: string[] = [];
  private readonly engines: LmdbEngine[] = [];
  private readonly nodes: DataNode[] = [];
  private readonly services: KvService[] = [];
  private readonly clients: KvClient[] = [];
  private nextClientId = gatewayNodeId;
  /** Per-call latency of the txn layer's Raft round trips, recorded while `timing` is on. */
  readonly callLatency = {
    prewrite: new LatencyRecorder(),
    commit: new LatencyRecorder(),
    tso: new LatencyRecorder(),
  };
  timing = false;

  constructor(readonly options: EmbeddedClusterOptions) {
    this.rng = new SeededRng(options.seed);
    this.peerNet = inProcessNetwork(options.peerNetwork ?? 'memory', this.clock);
    this.clientNet = inProcessNetwork(options.clientNetwork ?? 'local', this.clock);
    const zones = ['a', 'b', 'c'];
    const clusterNodes: ClusterNode[] = Array.from({ length: options.nodes }, (_, i) => ({
      id: i + 1,
      zone: zones[i % zones.length] ?? 'a',
      state: 'up',
    }));
    this.layout = new SliceGroupLayout(
      planInitialPlacement(
        {
          id: 1,
          name: 'bench',
          replicas: options.replicas,
          loggers: options.loggers,
          sliceCount: options.slices,
        },
        clusterNodes,
      ),
    );
    for (const n of clusterNodes) {
      const dir = mkdtempSync(join(tmpdir(), `tessera-bench-node${n.id}-`));
      this.dirs.push(dir);
      const engine = LmdbEngine.open({ path: dir });
      this.engines.push(engine);
      const node = new DataNode({
        nodeId: n.id,
        clock: this.clock,
        rng: this.rng.fork(),
        transport: this.peerNet.connect(n.id),
        engine,
        scanProcessors: options.scanProcessors,
      });
      this.nodes.push(node);
      this.services.push(new KvService(node, this.clientNet.connect(n.id)));
    }
    for (const group of this.layout.groups) {
      for (const m of group.members) {
        this.nodes
          .find((node) => node.nodeId === m.nodeId)
          ?.createReplica({ ...group, bootstrap: true });
      }
    }
    this.timestamps = new OracleTimestampSource({
      clock: this.clock,
      windowStore: new MemoryWindowStore(),
      physicalNow: () => physicalFromUnixMs(this.clock.now()),
    });
  }

  get groupIds(): number[] {
    return this.layout.groupIds;
  }

  /** The group holding `key`: the slice its distribution hash falls in. */
  groupOfKey(key: Uint8Array): number {
    return this.layout.groupOfKey(key);
  }

  /** Data members of a group, the ranking replica first (where a client tries first). */
  membersOf(groupId: number): number[] {
    return this.layout.membersOf(groupId);
  }

  /** A KV client endpoint on the client network (a gateway's view of the cluster). */
  newKvClient(): KvClient {
    const client = new KvClient({
      transport: this.clientNet.connect(this.nextClientId++),
      clock: this.clock,
      rng: this.rng.fork(),
      membersOf: (groupId) => this.membersOf(groupId),
    });
    this.clients.push(client);
    return client;
  }

  /** A transaction coordinator over its own KV client. */
  newTxnClient(): TxnClient {
    const physicalNow = () => physicalFromUnixMs(this.clock.now());
    return new TxnClient({
      kv: this.timedKv(new ClusterSliceKv({ client: this.newKvClient() })),
      router: routerFromFunction(this.groupIds, (key) => this.groupOfKey(key)),
      timestamps: {
        next: () => this.timed(this.callLatency.tso, this.timestamps.next()),
      },
      clock: this.clock,
      rng: this.rng.fork(),
      physicalNow,
    });
  }

  private async timed<T>(recorder: LatencyRecorder, call: Promise<T>): Promise<T> {
    const t0 = performance.now();
    const result = await call;
    if (this.timing) recorder.record(performance.now() - t0);
    return result;
  }

  /** The SliceKv with its prewrite and commit calls (one Raft proposal each) timed. */
  private timedKv(kv: SliceKv): SliceKv {
    return {
      get: (slice, key, readTs) => kv.get(slice, key, readTs),
      scan: (slice, start, end, readTs, options) => kv.scan(slice, start, end, readTs, options),
      prewrite: (slice, request) =>
        this.timed(this.callLatency.prewrite, kv.prewrite(slice, request)),
      commit: (slice, keys, startTs, commitTs) =>
        this.timed(this.callLatency.commit, kv.commit(slice, keys, startTs, commitTs)),
      rollback: (slice, keys, startTs) => kv.rollback(slice, keys, startTs),
      checkTxnStatus: (slice, request) => kv.checkTxnStatus(slice, request),
      resolveLocks: (slice, resolutions) => kv.resolveLocks(slice, resolutions),
    };
  }

  /** Summed node metrics (engine commits, transport and Raft messages). */
  metrics(): {
    engineCommits: number;
    syncedCommits: number;
    transportMessages: number;
    raftMessages: number;
  } {
    let engineCommits = 0;
    let syncedCommits = 0;
    let transportMessages = 0;
    let raftMessages = 0;
    for (const node of this.nodes) {
      engineCommits += node.metrics.engineCommits;
      syncedCommits += node.metrics.syncedCommits;
      transportMessages += node.metrics.transportMessages;
      raftMessages += node.metrics.raftMessages;
    }
    return { engineCommits, syncedCommits, transportMessages, raftMessages };
  }

  /** Throws if a node stopped on a broken invariant. */
  assertHealthy(): void {
    for (const node of this.nodes) {
      if (node.fatalError !== undefined) {
        throw new Error(`node ${node.nodeId} stopped: ${node.fatalError.message}`, {
          cause: node.fatalError,
        });
      }
    }
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.close();
    for (const service of this.services) service.close();
    for (const node of this.nodes) node.close();
    await Promise.all(this.engines.map((engine) => engine.close()));
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}
