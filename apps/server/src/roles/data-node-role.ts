import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KvMessage, NodeMessage } from '@tessera/cluster';
import { DataNode, KvService } from '@tessera/cluster';
import type { DataNodeOptions } from '@tessera/cluster';
import { cryptoSeededRng, SystemClock, TcpTransport } from '@tessera/host';
import type { PeerAddress } from '@tessera/host';
import { LmdbEngine } from '@tessera/storage';
import { lockDataDir } from '../data-dir';
import type { ClusterLayout } from './cluster-spec';
import { parseAddress } from './cluster-spec';
import { nodeMessageCodec } from './node-frame-codec';

/** The node's own entry in the cluster file is missing or contradicts the command line. */
export class DataNodeConfigError extends Error {
  override readonly name = 'DataNodeConfigError';
}

export interface DataNodeRoleOptions {
  readonly nodeId: number;
  /** Must match the node's zone in the cluster file (a guard against a wrong --id). */
  readonly zone: string;
  readonly layout: ClusterLayout;
  readonly dataDir: string;
  /** How often `<data-dir>/status.json` is rewritten (default 250 ms). */
  readonly statusIntervalMs?: number;
  readonly nodeOptions?: DataNodeOptions;
}

/** What `<data-dir>/status.json` holds: a snapshot of the node for operators and tests. */
export interface DataNodeStatusFile {
  readonly nodeId: number;
  readonly pid: number;
  readonly updatedAtMs: number;
  readonly replicas: readonly {
    readonly groupId: number;
    readonly memberRole: string;
    readonly raftRole: string;
    readonly term: number;
    readonly leader: number;
    readonly commit: number;
    readonly applied: number;
    readonly lastIndex: number;
  }[];
}

export interface RunningDataNode {
  readonly node: DataNode;
  readonly peerAddress: PeerAddress;
  readonly kvAddress: PeerAddress;
  readonly rngSeed: number;
  /** Groups found in the engine at start (a restart recovers them). */
  readonly recovered: readonly number[];
  /** Groups bootstrapped by this start (not in the engine yet). */
  readonly created: readonly number[];
  /** Resolves with the error if the node stops on a broken invariant. */
  readonly fatal: Promise<Error>;
  close(): Promise<void>;
}

/**
 * One data node as an OS process would run it: an LMDB environment in `<data-dir>/kv`, a
 * DataNode on the system clock with Raft traffic over TCP (`peerAddress`), and the KV service
 * for clients on a second TCP listener (`kvAddress`). The replicas are those the static
 * layout places on this node; the ones the engine already holds are recovered, the others
 * bootstrapped.
 */
export async function startDataNodeRole(options: DataNodeRoleOptions): Promise<RunningDataNode> {
  const { layout, nodeId } = options;
  const self = layout.node(nodeId);
  if (self === undefined)
    throw new DataNodeConfigError(`node ${nodeId} is not in the cluster file`);
  if (self.zone !== options.zone) {
    throw new DataNodeConfigError(
      `node ${nodeId} is in zone '${self.zone}' in the cluster file, not '${options.zone}'`,
    );
  }
  const lock = await lockDataDir(options.dataDir);
  const cleanups: (() => Promise<void>)[] = [() => lock.release()];
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  };
  try {
    const kvDir = join(lock.dir, 'kv');
    await mkdir(kvDir, { recursive: true, mode: 0o700 });
    const engine = LmdbEngine.open({ path: kvDir });
    cleanups.push(() => engine.close());

    const clock = new SystemClock();
    const { rng, seed } = cryptoSeededRng();
    const peerAddress = parseAddress(self.peerAddress);
    const kvAddress = parseAddress(self.kvAddress);
    const peerTransport = await TcpTransport.listen<NodeMessage>({
      self: nodeId,
      host: peerAddress.host,
      port: peerAddress.port,
      peers: layout.peerAddresses(nodeId),
      clock,
      rng: rng.fork(),
      codec: nodeMessageCodec(),
      reconnectMaxMs: 1_000,
      maxQueuedFrames: 2_000,
    });
    cleanups.push(() => peerTransport.close());
    const clients = layout.clientKvAddresses();
    const kvTransport = await TcpTransport.listen<KvMessage>({
      self: nodeId,
      host: kvAddress.host,
      port: kvAddress.port,
      peers: (id) => clients.get(id),
      clock,
      rng: rng.fork(),
      reconnectMaxMs: 1_000,
    });
    cleanups.push(() => kvTransport.close());

    const node = new DataNode({
      nodeId,
      clock,
      rng: rng.fork(),
      transport: peerTransport,
      engine,
      ...(options.nodeOptions === undefined ? {} : { options: options.nodeOptions }),
    });
    cleanups.push(() => {
      node.close();
      return Promise.resolve();
    });
    const recovered = node.groupIds().sort((a, b) => a - b);
    const created: number[] = [];
    const durable: Promise<void>[] = [];
    for (const group of layout.groupsOf(nodeId)) {
      if (node.replica(group.groupId) !== undefined) continue;
      const replica = node.createReplica({
        groupId: group.groupId,
        spaceId: group.spaceId,
        members: group.members,
        bootstrap: true,
      });
      created.push(group.groupId);
      durable.push(replica.whenDurable());
    }
    // Acknowledged creations only: a restart must find every replica this start announced.
    await Promise.all(durable);
    const service = new KvService(node, kvTransport);
    cleanups.push(() => {
      service.close();
      return Promise.resolve();
    });

    const statusFile = join(lock.dir, 'status.json');
    let stopped = false;
    let reportFatal: (error: Error) => void = () => undefined;
    const fatal = new Promise<Error>((resolve) => {
      reportFatal = resolve;
    });
    const interval = options.statusIntervalMs ?? 250;
    const writeStatus = async () => {
      const status = node.status();
      const body: DataNodeStatusFile = {
        nodeId,
        pid: process.pid,
        updatedAtMs: clock.now(),
        replicas: status.replicas.map((r) => ({
          groupId: r.groupId,
          memberRole: r.memberRole,
          raftRole: r.raftRole,
          term: r.term,
          leader: r.leader,
          commit: r.commit,
          applied: r.applied,
          lastIndex: r.lastIndex,
        })),
      };
      const tmp = `${statusFile}.tmp`;
      await writeFile(tmp, `${JSON.stringify(body)}\n`);
      await rename(tmp, statusFile);
    };
    let writing: Promise<void> = Promise.resolve();
    const tick = () => {
      if (stopped) return;
      if (node.fatalError !== undefined) {
        reportFatal(node.fatalError);
        return;
      }
      writing = writeStatus().catch(() => undefined);
      void writing.then(() => {
        if (!stopped) clock.setTimer(interval, tick, { unref: true });
      });
    };
    tick();
    await writing;
    cleanups.push(async () => {
      stopped = true;
      await writing;
    });

    let closing: Promise<void> | undefined;
    return {
      node,
      peerAddress: peerTransport.address(),
      kvAddress: kvTransport.address(),
      rngSeed: seed,
      recovered,
      created,
      fatal,
      close: () => (closing ??= cleanup()),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
