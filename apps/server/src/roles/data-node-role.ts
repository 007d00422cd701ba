import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ControlMessage, KvMessage, NodeMessage } from '@tessera/cluster';
import { ControlClient, DataNode, KvService } from '@tessera/cluster';
import type { DataNodeOptions } from '@tessera/cluster';
import { cryptoSeededRng, SystemClock, TcpTransport } from '@tessera/host';
import type { PeerAddress } from '@tessera/host';
import { keyHasherOfSlice, sqlKeyHasher, sqlKeyHasherName } from '@tessera/sql';
import { LmdbEngine } from '@tessera/storage';
import type { ScanProcessor } from '@tessera/storage';
import { lockDataDir } from '../data-dir';
import type { ClusterDirectory } from './cluster-spec';
import { parseAddress } from './cluster-spec';
import { formatNodeAddresses, NodeAddressBook } from './node-addresses';
import type { NodeAddresses } from './node-addresses';
import { claimJoiningNode, startNodeAgent } from './node-agent';
import type { Placed } from './node-agent';
import { nodeMessageCodec } from './node-frame-codec';
import { RoleConfigError } from './role-errors';

export interface DataNodeRoleOptions {
  readonly nodeId: number;
  /**
   * Must match the node's zone in the cluster file (a guard against a wrong --id); the zone a
   * joining node registers in.
   */
  readonly zone: string;
  /**
   * Set for a node the cluster file does not list, joining a running cluster (`--join`): its
   * own listeners. It registers them with the control plane, whose registry is how the other
   * processes find it.
   */
  readonly join?: NodeAddresses;
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
  const self = selfAddresses(options);
  const book = new NodeAddressBook(directory);
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
    const { peer: peerAddress, kv: kvAddress, control: controlAddress } = self;
    const peerTransport = await TcpTransport.listen<NodeMessage>({
      self: nodeId,
      host: peerAddress.host,
      port: peerAddress.port,
      // The file's nodes, then nodes that joined (learned from the control plane's registry).
      peers: book.peer,
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
      // Split orders name the SQL layer's key hasher (its table's distribution columns).
      keyHashers: new Map([[sqlKeyHasherName, sqlKeyHasher]]),
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
      zone: options.zone,
      address: formatNodeAddresses(self),
      node,
      engine,
      control,
      clock,
      onState: (state) => {
        book.learn(state.nodes);
      },
      splitHasherFor: (state, sliceId) =>
        keyHasherOfSlice(state.catalog?.tables ?? [], state.placement.representations, sliceId),
      ...(options.join === undefined ? {} : { founding: await claimJoiningNode(engine, nodeId) }),
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

/**
 * This node's listeners: from the cluster file, or for a joining node from its flags — which
 * must not name a node of the file nor reuse one of the file's addresses.
 */
function selfAddresses(options: DataNodeRoleOptions): NodeAddresses {
  const { directory, nodeId, join } = options;
  const listed = directory.node(nodeId);
  if (join !== undefined) {
    if (listed !== undefined) {
      throw new RoleConfigError(
        `node ${nodeId} is in the cluster file: start it without --join and address flags`,
      );
    }
    if (
      directory.controlMember(nodeId) !== undefined ||
      directory.spec.clients.some((c) => c.id === nodeId)
    ) {
      throw new RoleConfigError(`id ${nodeId} belongs to a control-plane member or a client`);
    }
    const own = [join.peer, join.kv, join.control].map((a) => `${a.host}:${a.port}`);
    const taken = new Set([
      ...directory.spec.controlPlane.flatMap((m) => [m.peerAddress, m.serviceAddress]),
      ...directory.spec.nodes.flatMap((n) => [n.peerAddress, n.kvAddress, n.controlAddress]),
      ...directory.spec.clients.flatMap((c) => [c.kvAddress, c.controlAddress]),
    ]);
    const clash = own.find((a) => taken.has(a));
    if (clash !== undefined) {
      throw new RoleConfigError(`address ${clash} is already used in the cluster file`);
    }
    if (new Set(own).size !== own.length) {
      throw new RoleConfigError('--peer-address, --kv-address and --control-address must differ');
    }
    return join;
  }
  if (listed === undefined) {
    throw new RoleConfigError(
      `node ${nodeId} is not in the cluster file (a node joining a running cluster is started ` +
        `with --join --peer-address --kv-address --control-address)`,
    );
  }
  if (listed.zone !== options.zone) {
    throw new RoleConfigError(
      `node ${nodeId} is in zone '${listed.zone}' in the cluster file, not '${options.zone}'`,
    );
  }
  return {
    peer: parseAddress(listed.peerAddress),
    kv: parseAddress(listed.kvAddress),
    control: parseAddress(listed.controlAddress),
  };
}
