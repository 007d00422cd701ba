import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlMessage, ControlSnapshot, KvMessage } from '@tessera/cluster';
import {
  ControlClient,
  groupIdOfSlice,
  KvClient,
  physicalFromUnixMs,
  SeededRng,
  SliceGroupLayout,
} from '@tessera/cluster';
import { SystemClock, TcpTransport } from '@tessera/host';
import {
  ClusterSliceKv,
  ControlTimestampSource,
  routerFromFunction,
  TxnClient,
} from '@tessera/txn';
import { inheritedEnv } from '../../src/env';
import type { ClusterSpec } from '../../src/roles/cluster-spec';
import { ClusterDirectory, seedTableName } from '../../src/roles/cluster-spec';
import type { ControlPlaneStatusFile } from '../../src/roles/control-plane-role';
import type { DataNodeStatusFile } from '../../src/roles/data-node-role';
import { NodeAddressBook } from '../../src/roles/node-addresses';

const serverRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Every child any harness started, killed on process exit as a last resort (no orphans). */
const allChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of allChildren) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Ports free right now on 127.0.0.1: bound to port 0 all at once, then released. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => {
            resolve(server);
          });
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => {
            resolve();
          });
        }),
    ),
  );
  return ports;
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every `everyMs` until it holds; throws after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs: number,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** One `tessera` role child process (data node or control-plane member). */
export class NodeProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private text = '';

  constructor(args: readonly string[]) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: serverRoot,
      env: inheritedEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    allChildren.add(this.child);
    const collect = (d: Buffer) => {
      this.text += d.toString();
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code) => {
        allChildren.delete(this.child);
        resolve(code);
      });
    });
  }

  get pid(): number {
    const pid = this.child.pid;
    if (pid === undefined) throw new Error('child has no pid (spawn failed)');
    return pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.text;
  }

  /** Waits for `pattern` in the output; throws if the process exits or time runs out. */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.text);
      if (match !== null) return match;
      if (!this.running) throw new Error(`process ${this.child.pid} exited: ${this.text}`);
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}: ${this.text}`);
      }
      await sleep(50);
    }
  }

  /** Waits for the role's `ready (pid …)` line; throws if it exits or time runs out. */
  async waitForReady(timeoutMs: number): Promise<void> {
    await this.waitForOutput(/ready \(pid \d+\)/, timeoutMs);
  }

  /** kill -9, then wait until the OS reports it gone. */
  async kill9(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }
}

export interface ProcessClusterOptions {
  readonly zones: readonly string[];
  readonly table: ClusterSpec['table'];
  readonly clientId: number;
  /** Control-plane member ids (default 101, 102, 103). */
  readonly controlMembers?: readonly number[];
}

/**
 * A cluster of OS processes on loopback — control-plane members and data nodes — from one
 * cluster file in a temp directory, plus a transaction client in this process that learns
 * the slice map and takes timestamps from the control plane, as a gateway does.
 */
export class ProcessCluster {
  readonly processes = new Map<number, NodeProcess>();
  readonly controlProcesses = new Map<number, NodeProcess>();
  /** Nodes started with `--join` (not in the cluster file): their zone and listeners. */
  readonly joined = new Map<
    number,
    { zone: string; peerAddress: string; kvAddress: string; controlAddress: string }
  >();
  private layoutValue: SliceGroupLayout | undefined;

  private constructor(
    readonly dir: string,
    readonly spec: ClusterSpec,
    readonly directory: ClusterDirectory,
    readonly clusterFile: string,
  ) {}

  static async create(options: ProcessClusterOptions): Promise<ProcessCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-multiprocess-'));
    const members = options.controlMembers ?? [101, 102, 103];
    const ports = await freePorts(members.length * 2 + options.zones.length * 3 + 2);
    let next = 0;
    const at = () => `127.0.0.1:${ports[next++] ?? 0}`;
    const spec: ClusterSpec = {
      controlPlane: members.map((id) => ({ id, peerAddress: at(), serviceAddress: at() })),
      nodes: options.zones.map((zone, i) => ({
        id: i + 1,
        zone,
        peerAddress: at(),
        kvAddress: at(),
        controlAddress: at(),
      })),
      clients: [{ id: options.clientId, kvAddress: at(), controlAddress: at() }],
      table: options.table,
    };
    const clusterFile = join(dir, 'cluster.json');
    await writeFile(clusterFile, JSON.stringify(spec, null, 2));
    return new ProcessCluster(dir, spec, new ClusterDirectory(spec), clusterFile);
  }

  /** The seeded table's slice groups, as the control plane placed them (after newClient). */
  get layout(): SliceGroupLayout {
    if (this.layoutValue === undefined) throw new Error('no slice map yet: call newClient()');
    return this.layoutValue;
  }

  get controlMemberIds(): number[] {
    return this.directory.controlMemberIds;
  }

  controlDataDir(id: number): string {
    return join(this.dir, `control-${id}`);
  }

  /**
   * Spawns every control-plane member and every node of the cluster file, and waits until each
   * is ready (`readyTimeoutMs` apiece).
   */
  async startAll(readyTimeoutMs: number): Promise<void> {
    const members = this.controlMemberIds.map((id) => this.startControl(id));
    const nodes = this.nodeIds.map((id) => this.start(id));
    await Promise.all([...members, ...nodes].map((p) => p.waitForReady(readyTimeoutMs)));
  }

  /** Spawns control-plane member `id` (again, on the same data dir after a kill). */
  startControl(id: number): NodeProcess {
    const proc = new NodeProcess([
      'control-plane',
      '--id',
      String(id),
      '--cluster',
      this.clusterFile,
      '--data-dir',
      this.controlDataDir(id),
    ]);
    this.controlProcesses.set(id, proc);
    return proc;
  }

  controlProcess(id: number): NodeProcess {
    const proc = this.controlProcesses.get(id);
    if (proc === undefined) throw new Error(`control member ${id} was never started`);
    return proc;
  }

  /** A member's status file, if written by its current process. */
  async controlStatus(id: number): Promise<ControlPlaneStatusFile | undefined> {
    const proc = this.controlProcesses.get(id);
    if (proc?.running !== true) return undefined;
    try {
      const status = JSON.parse(
        await readFile(join(this.controlDataDir(id), 'status.json'), 'utf8'),
      ) as ControlPlaneStatusFile;
      return status.pid === proc.pid ? status : undefined;
    } catch {
      return undefined;
    }
  }

  /** The member serving as control-plane leader now, by the members' status files. */
  async controlLeader(): Promise<number | undefined> {
    for (const id of this.controlMemberIds) {
      if ((await this.controlStatus(id))?.serving === true) return id;
    }
    return undefined;
  }

  /** The file's nodes and the nodes that joined. */
  get nodeIds(): number[] {
    return [...this.spec.nodes.map((n) => n.id), ...this.joined.keys()];
  }

  /** The zone of a file node or a joined node. */
  zoneOf(id: number): string {
    const zone = this.spec.nodes.find((n) => n.id === id)?.zone ?? this.joined.get(id)?.zone;
    if (zone === undefined) throw new Error(`no node ${id}`);
    return zone;
  }

  /**
   * Spawns a data node the cluster file does not list (`tessera data-node --join` with three
   * fresh listeners): it registers them with the control plane and the others find it there.
   */
  async join(id: number, zone: string): Promise<NodeProcess> {
    if (this.nodeIds.includes(id)) throw new Error(`node ${id} exists`);
    const [peer, kv, control] = await freePorts(3);
    this.joined.set(id, {
      zone,
      peerAddress: `127.0.0.1:${peer ?? 0}`,
      kvAddress: `127.0.0.1:${kv ?? 0}`,
      controlAddress: `127.0.0.1:${control ?? 0}`,
    });
    return this.start(id);
  }

  dataDir(id: number): string {
    return join(this.dir, `node-${id}`);
  }

  /** Spawns node `id` (again, on the same data dir after a kill). */
  start(id: number): NodeProcess {
    const joined = this.joined.get(id);
    const zone = this.zoneOf(id);
    const proc = new NodeProcess([
      'data-node',
      '--id',
      String(id),
      '--zone',
      zone,
      '--cluster',
      this.clusterFile,
      '--data-dir',
      this.dataDir(id),
      ...(joined === undefined
        ? []
        : [
            '--join',
            '--peer-address',
            joined.peerAddress,
            '--kv-address',
            joined.kvAddress,
            '--control-address',
            joined.controlAddress,
          ]),
    ]);
    this.processes.set(id, proc);
    return proc;
  }

  process(id: number): NodeProcess {
    const proc = this.processes.get(id);
    if (proc === undefined) throw new Error(`node ${id} was never started`);
    return proc;
  }

  /** The node's status file, if written by its current process (a killed one's is ignored). */
  async status(id: number): Promise<DataNodeStatusFile | undefined> {
    const proc = this.processes.get(id);
    if (proc?.running !== true) return undefined;
    try {
      const status = JSON.parse(
        await readFile(join(this.dataDir(id), 'status.json'), 'utf8'),
      ) as DataNodeStatusFile;
      return status.pid === proc.pid ? status : undefined;
    } catch {
      return undefined; // not written yet
    }
  }

  /** One line per running node: its replicas as `group:role/raftRole t<term> c<commit> a<applied>`. */
  async describeNodes(): Promise<string[]> {
    const lines: string[] = [];
    for (const id of this.nodeIds) {
      const status = await this.status(id);
      if (status === undefined) {
        lines.push(`node ${id}: not running`);
        continue;
      }
      const replicas = status.replicas.map(
        (r) =>
          `${r.groupId}:${r.memberRole}/${r.raftRole} t${r.term} l${r.leader} c${r.commit} a${r.applied}`,
      );
      lines.push(`node ${id}: ${replicas.join(', ')}`);
    }
    return lines;
  }

  /** Group → node that leads it in the newest term any running node reports. */
  async leaders(): Promise<Map<number, { node: number; term: number }>> {
    const leaders = new Map<number, { node: number; term: number }>();
    for (const id of this.nodeIds) {
      const status = await this.status(id);
      for (const r of status?.replicas ?? []) {
        if (r.raftRole !== 'leader') continue;
        const known = leaders.get(r.groupId);
        if (known === undefined || known.term < r.term) {
          leaders.set(r.groupId, { node: id, term: r.term });
        }
      }
    }
    return leaders;
  }

  /** Waits until the nodes' status files name a leader for every group of the table. */
  async waitForLeaders(timeoutMs: number): Promise<void> {
    await waitUntil(
      async () => (await this.leaders()).size === this.layout.groups.length,
      'leaders',
      timeoutMs,
    );
  }

  /**
   * Whether every member `state` places holds its group on one of `nodes` and has caught up
   * with the group's leader among them: applied all it committed (a logger, which keeps the
   * log and not the data: committed it).
   */
  async membersCaughtUp(state: ControlSnapshot, nodes: readonly number[]): Promise<boolean> {
    const statuses = new Map(
      await Promise.all(nodes.map(async (id) => [id, await this.status(id)] as const)),
    );
    const leaderCommit = new Map<number, number>();
    for (const status of statuses.values()) {
      for (const r of status?.replicas ?? []) {
        if (r.raftRole === 'leader') leaderCommit.set(r.groupId, r.commit);
      }
    }
    return state.placement.representations
      .flatMap((r) => r.slices)
      .every((slice) =>
        slice.members.every((m) => {
          const groupId = groupIdOfSlice(slice.id);
          const r = statuses.get(m.node)?.replicas.find((x) => x.groupId === groupId);
          const target = leaderCommit.get(groupId);
          if (r === undefined || target === undefined) return false;
          return (m.role === 'logger' ? r.commit : r.applied) >= target;
        }),
      );
  }

  /**
   * A TxnClient in this process: the slice map and timestamps from the control plane (through
   * a ControlClient on the client's control address), KV requests to the nodes' KV ports
   * through its own listener. Waits until the control plane has placed the table.
   */
  async newClient(seed: number): Promise<ProcessClusterClient> {
    const client = this.spec.clients[0];
    if (client === undefined) throw new Error('no client in the cluster file');
    const clock = new SystemClock();
    const rng = new SeededRng(seed);
    const port = (address: string) => Number(address.split(':')[1]);
    const controlTransport = await TcpTransport.listen<ControlMessage>({
      self: client.id,
      host: '127.0.0.1',
      port: port(client.controlAddress),
      peers: this.directory.controlServiceAddresses(),
      clock,
      rng: rng.fork(),
      reconnectMaxMs: 1_000,
    });
    const control = new ControlClient({
      transport: controlTransport,
      clock,
      rng: rng.fork(),
      members: this.directory.controlMemberIds,
      options: { attemptTimeoutMs: 1_000, callTimeoutMs: 10_000 },
    });
    await waitUntil(
      async () => {
        const state = await control.state().catch(() => undefined);
        const table = state?.placement.representations.find((r) => r.name === seedTableName);
        if (table !== undefined) this.layoutValue = new SliceGroupLayout(table);
        return table !== undefined;
      },
      'the control plane to place the table',
      30_000,
      100,
    );
    const layout = this.layout;
    // The slice map as the control plane changes it (re-replication, moves to joined nodes)
    // and the joined nodes' listeners, as a gateway follows them: polled every 200 ms.
    const map = new SliceMapFollower(control, new NodeAddressBook(this.directory), layout);
    const transport = await TcpTransport.listen<KvMessage>({
      self: client.id,
      host: '127.0.0.1',
      port: port(client.kvAddress),
      peers: map.addresses.kv,
      clock,
      rng: rng.fork(),
      reconnectMaxMs: 1_000,
    });
    const kv = new KvClient({
      transport,
      clock,
      rng: rng.fork(),
      membersOf: (groupId) => map.membersOf(groupId),
      // Generous for a loaded CI machine: an attempt that sees no answer in 1 s moves on; a
      // call waits out a leaderless group for the default failover window (10 s).
      options: { attemptTimeoutMs: 1_000, backoffBaseMs: 20, backoffMaxMs: 400 },
    });
    const physicalNow = () => physicalFromUnixMs(clock.now());
    const txn = new TxnClient({
      kv: new ClusterSliceKv({ client: kv }),
      router: routerFromFunction(layout.groupIds, (key) => layout.groupOfKey(key)),
      timestamps: new ControlTimestampSource(control),
      clock,
      rng: rng.fork(),
      physicalNow,
    });
    return {
      txn,
      kv,
      control,
      map,
      close: async () => {
        map.stop();
        kv.close();
        control.close();
        await transport.close();
        await controlTransport.close();
      },
    };
  }

  /** Kills every process still running and removes the directory. Never throws. */
  async destroy(): Promise<void> {
    await Promise.all(
      [...this.processes.values(), ...this.controlProcesses.values()].map((p) => p.kill9()),
    );
    await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

export interface ProcessClusterClient {
  readonly txn: TxnClient;
  readonly kv: KvClient;
  readonly control: ControlClient;
  /** The client's view of the slice map and the node registry (refreshed every 200 ms). */
  readonly map: SliceMapFollower;
  close(): Promise<void>;
}

/**
 * A client's copy of the control plane's slice map and node registry, polled every 200 ms:
 * which nodes hold each group (ranking replica first) and where joined nodes listen.
 */
export class SliceMapFollower {
  private snapshot: ControlSnapshot | undefined;
  private byGroup = new Map<number, readonly number[]>();
  private stopped = false;

  constructor(
    private readonly control: ControlClient,
    readonly addresses: NodeAddressBook,
    private readonly initial: SliceGroupLayout,
  ) {
    void this.poll();
  }

  /** The newest control state this client has (undefined before the first answer). */
  get state(): ControlSnapshot | undefined {
    return this.snapshot;
  }

  membersOf(groupId: number): readonly number[] {
    return this.byGroup.get(groupId) ?? this.initial.membersOf(groupId);
  }

  /** Fetches the state now (and keeps it). */
  async refresh(): Promise<ControlSnapshot | undefined> {
    const state = await this.control.state(this.snapshot?.version ?? -1).catch(() => undefined);
    if (state !== undefined) this.take(state);
    return this.snapshot;
  }

  stop(): void {
    this.stopped = true;
  }

  private take(state: ControlSnapshot): void {
    this.snapshot = state;
    this.addresses.learn(state.nodes);
    const byGroup = new Map<number, readonly number[]>();
    for (const representation of state.placement.representations) {
      const layout = new SliceGroupLayout(representation);
      for (const group of layout.groups)
        byGroup.set(group.groupId, layout.membersOf(group.groupId));
    }
    this.byGroup = byGroup;
  }

  private async poll(): Promise<void> {
    while (!this.stopped) {
      await this.refresh();
      await sleep(200);
    }
  }
}
