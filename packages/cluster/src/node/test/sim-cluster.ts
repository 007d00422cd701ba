// Test support: a whole set of data nodes in one thread on a SimClock, a MemoryNetwork and one
// MemoryEngine per node (manual durability: a batch is durable only at the next disk sync, and
// a crash loses everything after the last one). Any run replays exactly from its seed.
import { MemoryEngine, MvccStore, RaftLogStore } from '@tessera/storage';
import type { CommandResult, MvccCommand, ScanProcessor, ScanRow } from '@tessera/storage';
import { SimClock } from '../../runtime/clock';
import { SeededRng } from '../../runtime/rng';
import { runSimulatedFor, runSimulatedUntil } from '../../runtime/sim-run';
import { MemoryNetwork } from '../../runtime/transport';
import type { FaultPolicy } from '../../runtime/transport';
import { DataNode } from '../data-node';
import type { NodeMessage } from '../node-message';
import { decodeNodeMessage, encodeNodeMessage } from '../node-message-codec';
import type { KeyHasherFactory } from '../key-hashers';
import type { DataNodeOptions } from '../options';
import type { ReplicaMember } from '../replica-registry';

export interface SimClusterOptions {
  readonly seed: number;
  readonly nodeIds: readonly number[];
  readonly faults?: FaultPolicy;
  readonly nodeOptions?: DataNodeOptions;
  /** Simulated fsync period: every engine syncs this often. */
  readonly diskSyncMs?: number;
  /** Encode and decode every message in flight (tests the codec, no shared objects). */
  readonly wireCodec?: boolean;
  /** Scan processors every node registers (DataNodeDeps.scanProcessors). */
  readonly scanProcessors?: ReadonlyMap<string, ScanProcessor>;
  /** Key hashers every node registers (DataNodeDeps.keyHashers). */
  readonly keyHashers?: ReadonlyMap<string, KeyHasherFactory>;
}

export interface GroupSpec {
  readonly groupId: number;
  readonly spaceId: number;
  readonly members: readonly ReplicaMember[];
  readonly rankingNode?: number;
}

export class SimCluster {
  readonly clock = new SimClock(1_000);
  readonly rng: SeededRng;
  readonly network: MemoryNetwork<NodeMessage>;
  readonly engines = new Map<number, MemoryEngine>();
  readonly nodes = new Map<number, DataNode>();
  readonly groups = new Map<number, GroupSpec>();
  /** Every engine.commit of every node, by node (nodes are replaced on restart). */
  private readonly retiredCommits = new Map<number, number>();

  constructor(readonly options: SimClusterOptions) {
    this.rng = new SeededRng(options.seed);
    this.network = new MemoryNetwork<NodeMessage>({
      clock: this.clock,
      rng: this.rng.fork(),
      ...(options.faults === undefined ? {} : { faults: options.faults }),
      // Every message crosses the wire codec, as it would over a socket.
      ...(options.wireCodec === true
        ? { copy: (m: NodeMessage) => decodeNodeMessage(encodeNodeMessage(m)) }
        : {}),
    });
    for (const id of options.nodeIds) {
      this.engines.set(id, new MemoryEngine({ durability: 'manual' }));
      this.startNode(id);
    }
    this.armDisk();
  }

  node(id: number): DataNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`node ${id} is down`);
    return node;
  }

  engine(id: number): MemoryEngine {
    const engine = this.engines.get(id);
    if (engine === undefined) throw new Error(`no engine for ${id}`);
    return engine;
  }

  createGroup(spec: GroupSpec): void {
    this.groups.set(spec.groupId, spec);
    for (const m of spec.members) {
      this.nodes.get(m.nodeId)?.createReplica({ ...spec, bootstrap: true });
    }
  }

  /** A process kill: the node stops at once and its disk loses every unsynced batch. */
  crash(id: number): void {
    const node = this.node(id);
    this.retiredCommits.set(id, (this.retiredCommits.get(id) ?? 0) + node.metrics.engineCommits);
    node.close();
    this.engine(id).crash();
    this.nodes.delete(id);
    this.network.setDown(id, true);
  }

  /**
   * Restarts a crashed node over its engine. A replica whose creation never became durable
   * (crash before the first sync) is forgotten by the node; the control plane would re-issue
   * the unacknowledged create, and so does this harness.
   */
  restart(id: number): DataNode {
    this.network.setDown(id, false);
    const node = this.startNode(id);
    for (const spec of this.groups.values()) {
      const member = spec.members.some((m) => m.nodeId === id);
      if (member && node.replica(spec.groupId) === undefined) {
        this.recreated++;
        node.createReplica({ ...spec, bootstrap: true });
      }
    }
    return node;
  }

  /** Replicas re-created by restart() because their creation was lost in a crash. */
  recreated = 0;

  isUp(id: number): boolean {
    return this.nodes.has(id);
  }

  /**
   * Runs simulated time forward by `ms`. Between events, pending promise continuations run
   * (a cycle resumes after its disk sync), so the whole cluster makes progress in one thread.
   */
  async runFor(ms: number, maxEvents = 5_000_000): Promise<void> {
    await runSimulatedFor(this.clock, ms, {
      maxEvents,
      afterEvent: () => {
        this.assertHealthy();
      },
    });
  }

  /** Runs until `done()` or `maxMs` passes; returns whether done. */
  async runUntil(done: () => boolean, maxMs: number, stepMs = 10): Promise<boolean> {
    return runSimulatedUntil(this.clock, done, maxMs, stepMs, {
      afterEvent: () => {
        this.assertHealthy();
      },
    });
  }

  /** The live node leading `groupId` in the highest term, if any. */
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

  async waitForLeader(groupId: number, maxMs = 10_000): Promise<number> {
    await this.runUntil(() => this.leaderOf(groupId) !== undefined, maxMs);
    const leader = this.leaderOf(groupId);
    if (leader === undefined) throw new Error(`no leader for group ${groupId} in ${maxMs} ms`);
    return leader;
  }

  /** Proposes on the current leader and runs until the proposal settles. */
  async proposeAndWait(
    groupId: number,
    commands: readonly MvccCommand[],
    maxMs = 10_000,
  ): Promise<readonly CommandResult[]> {
    const leader = await this.waitForLeader(groupId, maxMs);
    const replica = this.node(leader).replica(groupId);
    if (replica === undefined) throw new Error(`leader ${leader} lost group ${groupId}`);
    let outcome: { ok: readonly CommandResult[] } | { err: unknown } | undefined;
    replica.propose(commands).then(
      (ok) => (outcome = { ok }),
      (err: unknown) => (outcome = { err }),
    );
    await this.runUntil(() => outcome !== undefined, maxMs, 5);
    if (outcome === undefined) throw new Error(`proposal to group ${groupId} did not settle`);
    if ('err' in outcome) throw outcome.err;
    return outcome.ok;
  }

  /** Engine commits of node `id` over all its lives. */
  engineCommits(id: number): number {
    return (this.retiredCommits.get(id) ?? 0) + (this.nodes.get(id)?.metrics.engineCommits ?? 0);
  }

  /** Latest visible rows of a space on a node's engine (reads the engine directly). */
  rows(nodeId: number, spaceId: number): ScanRow[] {
    const result = new MvccStore(this.engine(nodeId)).scan(
      spaceId,
      undefined,
      undefined,
      Number.MAX_SAFE_INTEGER - 1,
      { limit: 1_000_000 },
    );
    if (result.kind !== 'rows') throw new Error(`space ${spaceId} on ${nodeId}: ${result.kind}`);
    return [...result.rows];
  }

  spaceInfo(nodeId: number, spaceId: number) {
    return new MvccStore(this.engine(nodeId)).spaceInfo(spaceId);
  }

  raftLastIndex(nodeId: number, groupId: number): number {
    return new RaftLogStore(this.engine(nodeId)).lastIndex(groupId);
  }

  assertHealthy(): void {
    for (const [id, node] of this.nodes) {
      if (node.fatalError !== undefined) {
        throw new Error(`node ${id} died: ${node.fatalError.stack ?? node.fatalError.message}`);
      }
    }
  }

  private startNode(id: number): DataNode {
    const node = new DataNode({
      nodeId: id,
      clock: this.clock,
      rng: this.rng.fork(),
      transport: this.network.connect(id),
      engine: this.engine(id),
      ...(this.options.nodeOptions === undefined ? {} : { options: this.options.nodeOptions }),
      scanProcessors: this.options.scanProcessors,
      ...(this.options.keyHashers === undefined ? {} : { keyHashers: this.options.keyHashers }),
    });
    this.nodes.set(id, node);
    return node;
  }

  /** Index before the first entry of the group's durable-or-visible log on a node. */
  raftLogStart(nodeId: number, groupId: number): number {
    return new RaftLogStore(this.engine(nodeId)).logStart(groupId).index;
  }

  private armDisk(): void {
    this.clock.setTimer(this.options.diskSyncMs ?? 2, () => {
      for (const [id, engine] of this.engines) if (this.nodes.has(id)) engine.sync();
      this.armDisk();
    });
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const b = (text: string): Uint8Array => encoder.encode(text);
export const s = (bytes: Uint8Array): string => decoder.decode(bytes);

export function put(key: string, value: string, commitTs: number): MvccCommand {
  return { kind: 'putVersion', key: b(key), commitTs, op: 'put', value: b(value) };
}

export interface AckedWrite {
  readonly groupId: number;
  readonly key: string;
  readonly value: string;
  readonly commitTs: number;
}

/**
 * Client traffic: every `intervalMs`, one write per group to whichever node leads it now.
 * Each write has a unique commitTs and value, so an acknowledged write can be looked up on
 * every replica afterwards. Errors (not leader, timeouts, crashes) are counted, not retried.
 */
export class Workload {
  readonly acked: AckedWrite[] = [];
  readonly errors = new Map<string, number>();
  /** Lease reads that missed a write acknowledged before they started (must stay empty). */
  readonly staleReads: string[] = [];
  readsServed = 0;
  private nextTs = 1_000;
  private stopped = false;
  /** group/key → highest commitTs acknowledged so far. */
  private readonly newestAcked = new Map<string, number>();

  constructor(
    private readonly sim: SimCluster,
    private readonly groupIds: readonly number[],
    private readonly intervalMs: number,
    private readonly keys = 8,
    private readonly withReads = false,
  ) {
    this.arm();
  }

  stop(): void {
    this.stopped = true;
  }

  private arm(): void {
    this.sim.clock.setTimer(this.intervalMs, () => {
      if (this.stopped) return;
      for (const groupId of this.groupIds) {
        this.writeOnce(groupId);
        if (this.withReads) this.readOnce(groupId);
      }
      this.arm();
    });
  }

  /** A lease read on the leader must see every write acknowledged before it started. */
  private readOnce(groupId: number): void {
    // Clients route by a possibly stale map: ask any node that believes it leads.
    const leaders = [...this.sim.nodes].filter(
      ([, node]) => node.replica(groupId)?.raftStatus().role === 'leader',
    );
    if (leaders.length === 0) return;
    const [leader, node] = leaders[this.sim.rng.int(0, leaders.length - 1)] ?? [];
    const replica = node?.replica(groupId);
    if (replica === undefined) return;
    const key = `k${this.sim.rng.int(0, this.keys - 1)}`;
    const mustSee = this.newestAcked.get(`${groupId}/${key}`) ?? 0;
    // Half the reads fall back to ReadIndex when the leader has no lease.
    const readIndexFallback = this.sim.rng.chance(0.5);
    replica.read(Number.MAX_SAFE_INTEGER - 1, b(key), { readIndexFallback }).then(
      (got) => {
        this.readsServed++;
        const seen = got.kind === 'value' ? got.commitTs : 0;
        if (seen < mustSee) {
          this.staleReads.push(`group ${groupId} ${key} on ${leader}: saw ${seen} < ${mustSee}`);
        }
      },
      () => undefined,
    );
  }

  private writeOnce(groupId: number): void {
    const leader = this.sim.leaderOf(groupId);
    const replica = leader === undefined ? undefined : this.sim.nodes.get(leader)?.replica(groupId);
    if (replica === undefined) return;
    const commitTs = this.nextTs++;
    const write = {
      groupId,
      key: `k${this.sim.rng.int(0, this.keys - 1)}`,
      value: `g${groupId}@${commitTs}`,
      commitTs,
    };
    replica.propose([put(write.key, write.value, commitTs)]).then(
      (results) => {
        if (results.length !== 1 || results[0]?.kind !== 'ok') {
          throw new Error(`write ${commitTs} answered ${JSON.stringify(results)}`);
        }
        this.acked.push(write);
        const k = `${groupId}/${write.key}`;
        this.newestAcked.set(k, Math.max(this.newestAcked.get(k) ?? 0, commitTs));
      },
      (error: unknown) => {
        const code = (error as { code?: string }).code ?? String(error);
        this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
      },
    );
  }
}

/** Throws unless every acknowledged write is readable, exactly, on every live data member. */
export function verifyAcked(sim: SimCluster, acked: readonly AckedWrite[]): void {
  const seen = new Set<number>();
  for (const w of acked) {
    if (seen.has(w.commitTs)) throw new Error(`write at ${w.commitTs} acknowledged twice`);
    seen.add(w.commitTs);
    const group = sim.groups.get(w.groupId);
    if (group === undefined) throw new Error(`unknown group ${w.groupId}`);
    for (const m of group.members) {
      if (m.role === 'logger' || !sim.isUp(m.nodeId)) continue;
      const got = new MvccStore(sim.engine(m.nodeId)).get(group.spaceId, b(w.key), w.commitTs);
      if (got.kind !== 'value' || got.commitTs !== w.commitTs || s(got.value) !== w.value) {
        throw new Error(
          `acknowledged ${JSON.stringify(w)} missing on node ${m.nodeId}: ${JSON.stringify(got)}`,
        );
      }
    }
  }
}

/** Throws unless all live data members of the group hold identical MVCC contents. */
export function verifyConverged(sim: SimCluster, groupId: number): void {
  const group = sim.groups.get(groupId);
  if (group === undefined) throw new Error(`unknown group ${groupId}`);
  const views = group.members
    .filter((m) => m.role !== 'logger' && sim.isUp(m.nodeId))
    .map((m) => {
      const info = sim.spaceInfo(m.nodeId, group.spaceId);
      const rows = sim.rows(m.nodeId, group.spaceId).map((r) => `${s(r.key)}=${s(r.value)}`);
      return {
        node: m.nodeId,
        text: JSON.stringify({
          applied: info?.appliedIndex,
          records: info?.approxRecords,
          bytes: info?.approxBytes,
          rows,
        }),
      };
    });
  const first = views[0];
  for (const v of views) {
    if (v.text !== first?.text) {
      throw new Error(
        `group ${groupId} diverged: node ${first?.node} ${first?.text} vs node ${v.node} ${v.text}`,
      );
    }
  }
}
