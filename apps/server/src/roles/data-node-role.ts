import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ControlMessage, KvMessage, NodeMessage } from '@tessera/cluster';
import { ControlClient, DataNode, KvService } from '@tessera/cluster';
import type { DataNodeOptions } from '@tessera/cluster';
import { cryptoSeededRng, SystemClock, TcpTransport } from '@tessera/host';
import type { PeerAddress } from '@tessera/host';
import { LmdbEngine } from '@tessera/storage';
import type { ScanProcessor } from '@tessera/storage';
import { lockDataDir } from '../data-dir';
import type { ClusterDirectory } from './cluster-spec';
import { parseAddress } from './cluster-spec';
import { startNodeAgent } from './node-agent';
import type { Placed } from './node-agent';
import { nodeMessageCodec } from './node-frame-codec';
import { RoleConfigError } from './role-errors';

export interface DataNodeRoleOptions {
  readonly nodeId: number;
  /** Must match the node's zone in the cluster file (a guard against a wrong --id). */
  readonly zone: string;
  readonly directory: ClusterDirectory;
  readonly dataDir: string;
  /** How often `<data-dir>/status.json` is rewritten (default 250 ms). */
  readonly statusIntervalMs?: number;
  /** How often the node tells the control plane it is alive (default 500 ms). */
  readonly heartbeatMs?: number;
  readonly nodeOptions?: DataNodeOptions;
  /**
   * Scan processors the node runs scan programs with, by name (e.g. 'sql' for the SQL engine's
   * pushed-down filters and aggregates); a scan naming another answers `programRefused`. None
   * by default.
   */
  readonly scanProcessors?: ReadonlyMap<string, ScanProcessor>;
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
  readonly controlAddress: PeerAddress;
  readonly rngSeed: number;
  /** Groups found in the engine at start (a restart recovers them). */
  readonly recovered: readonly number[];
  /**
   * Resolves once the node has the control plane's slice map and created the replicas it
   * places here (creations durable); never resolves if the node closes first.
   */
  readonly placed: Promise<Placed>;
  /** Resolves with the error if the node stops on a broken invariant. */
  readonly fatal: Promise<Error>;
  close(): Promise<void>;
}

/**
 * One data node as an OS process runs it: an LMDB environment in `<data-dir>/kv`, a DataNode on
 * the system clock with Raft traffic over TCP (`peerAddress`), the KV service for clients on a
 * second listener (`kvAddress`), and a control-plane client (`controlAddress`) that registers
 * the node, heartbeats, and fetches the slice map. Replicas the engine holds are recovered at
 * once; the others the slice map places here are bootstrapped when the table is new.
 */
export async function startDataNodeRole(options: DataNodeRoleOptions): Promise<RunningDataNode> {
  const { directory, nodeId } = options;
  const self = directory.node(nodeId);
  if (self === undefined) throw new RoleConfigError(`node ${nodeId} is not in the cluster file`);
  if (self.zone !== options.zone) {
    throw new RoleConfigError(
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
    const controlAddress = parseAddress(self.controlAddress);
    const peerTransport = await TcpTransport.listen<NodeMessage>({
      self: nodeId,
      host: peerAddress.host,
      port: peerAddress.port,
      peers: directory.peerAddresses(nodeId),
      clock,
      rng: rng.fork(),
      codec: nodeMessageCodec(),
      reconnectMaxMs: 1_000,
      maxQueuedFrames: 2_000,
    });
    cleanups.push(() => peerTransport.close());
    const clients = directory.clientKvAddresses();
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
    const controlTransport = await TcpTransport.listen<ControlMessage>({
      self: nodeId,
      host: controlAddress.host,
      port: controlAddress.port,
      peers: directory.controlServiceAddresses(),
      clock,
      rng: rng.fork(),
      reconnectMaxMs: 1_000,
    });
    cleanups.push(() => controlTransport.close());

    const node = new DataNode({
      nodeId,
      clock,
      rng: rng.fork(),
      transport: peerTransport,
      engine,
      ...(options.nodeOptions === undefined ? {} : { options: options.nodeOptions }),
      scanProcessors: options.scanProcessors,
    });
    cleanups.push(() => {
      node.close();
      return Promise.resolve();
    });
    const recovered = node.groupIds().sort((a, b) => a - b);
    const service = new KvService(node, kvTransport);
    cleanups.push(() => {
      service.close();
      return Promise.resolve();
    });

    // The control plane: registration and heartbeats, then the slice map (node-agent.ts).
    const control = new ControlClient({
      transport: controlTransport,
      clock,
      rng: rng.fork(),
      members: directory.controlMemberIds,
      options: { attemptTimeoutMs: 1_000, callTimeoutMs: 5_000 },
    });
    const agent = startNodeAgent({
      nodeId,
      zone: self.zone,
      address: self.peerAddress,
      node,
      engine,
      control,
      clock,
      ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
    });
    cleanups.push(() => {
      agent.stop();
      control.close();
      return Promise.resolve();
    });
    const placed = agent.placed;

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
      controlAddress: controlTransport.address(),
      rngSeed: seed,
      recovered,
      placed,
      fatal,
      close: () => (closing ??= cleanup()),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
