import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ControlMessage, NodeMessage } from '@tessera/cluster';
import { ControlMember, ControlService, physicalFromUnixMs } from '@tessera/cluster';
import type { ControlMemberOptions } from '@tessera/cluster';
import { cryptoSeededRng, SystemClock, TcpTransport } from '@tessera/host';
import type { PeerAddress } from '@tessera/host';
import { LmdbEngine } from '@tessera/storage';
import { lockDataDir } from '../data-dir';
import type { ClusterDirectory } from './cluster-spec';
import { parseAddress } from './cluster-spec';
import { parseNodeAddresses } from './node-addresses';
import { RoleConfigError } from './role-errors';
import { TableSeeder } from './table-seeder';
import { nodeMessageCodec } from './node-frame-codec';

export interface ControlPlaneRoleOptions {
  readonly memberId: number;
  readonly directory: ClusterDirectory;
  readonly dataDir: string;
  /** How often `<data-dir>/status.json` is rewritten (default 250 ms). */
  readonly statusIntervalMs?: number;
  readonly memberOptions?: ControlMemberOptions;
}

/** What a control-plane member's `<data-dir>/status.json` holds. */
export interface ControlPlaneStatusFile {
  readonly memberId: number;
  readonly pid: number;
  readonly updatedAtMs: number;
  readonly raftRole: string;
  readonly term: number;
  readonly leader: number;
  readonly commit: number;
  readonly applied: number;
  readonly snapshotIndex: number;
  readonly serving: boolean;
  readonly stateVersion: number;
  readonly tsoWindowEndMs: number;
  readonly nodes: readonly { readonly id: number; readonly zone: string; readonly state: string }[];
  readonly tables: readonly string[];
}

export interface RunningControlPlane {
  readonly member: ControlMember;
  readonly peerAddress: PeerAddress;
  readonly serviceAddress: PeerAddress;
  readonly rngSeed: number;
  /** Resolves with the error if the member stops on a broken invariant. */
  readonly fatal: Promise<Error>;
  close(): Promise<void>;
}

/**
 * One control-plane member as an OS process runs it: LMDB in `<data-dir>/kv` holding only the
 * control group, Raft with the other members over TCP (`peerAddress`), the control service
 * for data nodes and clients on `serviceAddress`. While it serves as leader it also seeds the
 * cluster: once every node of the cluster file has registered, it creates the file's table.
 */
export async function startControlPlaneRole(
  options: ControlPlaneRoleOptions,
): Promise<RunningControlPlane> {
  const { directory, memberId } = options;
  const self = directory.controlMember(memberId);
  if (self === undefined) {
    throw new RoleConfigError(`control-plane member ${memberId} is not in the cluster file`);
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
    const serviceAddress = parseAddress(self.serviceAddress);
    const raftTransport = await TcpTransport.listen<NodeMessage>({
      self: memberId,
      host: peerAddress.host,
      port: peerAddress.port,
      peers: directory.controlPeerAddresses(memberId),
      clock,
      rng: rng.fork(),
      codec: nodeMessageCodec(),
      reconnectMaxMs: 1_000,
      maxQueuedFrames: 2_000,
    });
    cleanups.push(() => raftTransport.close());
    // Answers go to the file's nodes and clients, and to nodes that joined (`--join`): their
    // control listener is in the registry (a joining node's first heartbeat registers it
    // before the answer is sent). `registry.member` is set below, before the service receives anything.
    const clients = directory.controlClientAddresses();
    const registry: { member?: ControlMember } = {};
    const answerAddress = (id: number) => {
      const listed = clients.get(id);
      if (listed !== undefined) return listed;
      const registered = registry.member?.current.node(id);
      return registered === undefined ? undefined : parseNodeAddresses(registered.address)?.control;
    };
    const serviceTransport = await TcpTransport.listen<ControlMessage>({
      self: memberId,
      host: serviceAddress.host,
      port: serviceAddress.port,
      peers: answerAddress,
      clock,
      rng: rng.fork(),
      reconnectMaxMs: 1_000,
    });
    cleanups.push(() => serviceTransport.close());

    const member = new ControlMember({
      nodeId: memberId,
      members: directory.controlMemberIds,
      clock,
      rng: rng.fork(),
      transport: raftTransport,
      engine,
      physicalNow: () => physicalFromUnixMs(clock.now()),
      ...(options.memberOptions === undefined ? {} : { options: options.memberOptions }),
    });
    registry.member = member;
    cleanups.push(() => {
      member.close();
      return Promise.resolve();
    });
    const service = new ControlService(member, serviceTransport);
    cleanups.push(() => {
      service.close();
      return Promise.resolve();
    });

    // Seeding: the leader creates the cluster file's table once every node registered.
    const seeder = new TableSeeder(
      member,
      directory.spec.nodes.map((n) => n.id),
      directory.seedTable(),
    );

    const statusFile = join(lock.dir, 'status.json');
    let stopped = false;
    let reportFatal: (error: Error) => void = () => undefined;
    const fatal = new Promise<Error>((resolve) => {
      reportFatal = resolve;
    });
    const interval = options.statusIntervalMs ?? 250;
    const writeStatus = async () => {
      const st = member.status();
      const state = member.current;
      const body: ControlPlaneStatusFile = {
        memberId,
        pid: process.pid,
        updatedAtMs: clock.now(),
        raftRole: st.raft.role,
        term: st.raft.term,
        leader: st.raft.leader,
        commit: st.raft.commit,
        applied: st.applied,
        snapshotIndex: st.snapshotIndex,
        serving: st.leaseHeld,
        stateVersion: st.stateVersion,
        tsoWindowEndMs: st.tsoWindowEndMs,
        nodes: state.clusterNodes().map((n) => ({ id: n.id, zone: n.zone, state: n.state })),
        tables: state.slicePlacement.representations.map((r) => r.name),
      };
      const tmp = `${statusFile}.tmp`;
      await writeFile(tmp, `${JSON.stringify(body)}\n`);
      await rename(tmp, statusFile);
    };
    let writing: Promise<void> = Promise.resolve();
    const tick = () => {
      if (stopped) return;
      if (member.fatalError !== undefined) {
        reportFatal(member.fatalError);
        return;
      }
      seeder.tick();
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
      member,
      peerAddress: raftTransport.address(),
      serviceAddress: serviceTransport.address(),
      rngSeed: seed,
      fatal,
      close: () => (closing ??= cleanup()),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
