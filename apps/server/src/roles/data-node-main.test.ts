import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ControlPlaneCommand, DataNodeCommand } from '../cli';
import type { ClusterSpec } from './cluster-spec';
import type { ProcessIo } from './data-node-main';
import { runControlPlane, runDataNode } from './data-node-main';
import type { DataNodeStatusFile } from './data-node-role';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/**
 * `count` distinct free ports: every listener stays open until all are chosen (listening on
 * port 0 one after another may hand back a port just released).
 */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  const ports: number[] = [];
  for (const server of servers) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ports.push((server.address() as AddressInfo).port);
  }
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) =>
          server.close(() => {
            resolve();
          }),
        ),
    ),
  );
  return ports;
}

/** A one-node cluster (a single voter per group) with a one-member control plane, in a temp dir. */
async function oneNodeCluster(): Promise<{ node: DataNodeCommand; control: ControlPlaneCommand }> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-data-node-'));
  dirs.push(dir);
  const ports = await freePorts(5);
  const at = () => `127.0.0.1:${ports.pop() ?? 0}`;
  const spec: ClusterSpec = {
    controlPlane: [{ id: 101, peerAddress: at(), serviceAddress: at() }],
    nodes: [
      {
        id: 1,
        zone: 'a',
        peerAddress: at(),
        kvAddress: at(),
        controlAddress: at(),
      },
    ],
    clients: [],
    table: { slices: 2, replicas: 1, loggers: 0 },
  };
  const clusterFile = join(dir, 'cluster.json');
  await writeFile(clusterFile, JSON.stringify(spec));
  return {
    node: { kind: 'data-node', nodeId: 1, zone: 'a', clusterFile, dataDir: join(dir, 'n1') },
    control: { kind: 'control-plane', memberId: 101, clusterFile, dataDir: join(dir, 'cp') },
  };
}

function capture(): {
  out: string[];
  err: string[];
  stop: (signal: string) => void;
  io: ProcessIo;
} {
  const out: string[] = [];
  const err: string[] = [];
  let stop: (signal: string) => void = () => undefined;
  const stopSignal = new Promise<string>((resolve) => {
    stop = resolve;
  });
  return {
    out,
    err,
    stop: (signal) => {
      stop(signal);
    },
    io: { out: (line) => out.push(line), err: (line) => err.push(line), stopSignal },
  };
}

async function readStatus(dataDir: string): Promise<DataNodeStatusFile | undefined> {
  try {
    return JSON.parse(await readFile(join(dataDir, 'status.json'), 'utf8')) as DataNodeStatusFile;
  } catch {
    return undefined;
  }
}

async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('runDataNode and runControlPlane', () => {
  it('registers with the control plane, creates the seeded table, stops on a signal and recovers on restart', async () => {
    const { node: command, control } = await oneNodeCluster();
    const cp = capture();
    const cpRunning = runControlPlane(control, cp.io);
    await until(() => cp.out.some((l) => l.includes('ready')));
    expect(cp.out[0]).toMatch(/control-plane 101 ready .* members 101 /);

    const first = capture();
    const running = runDataNode(command, first.io);
    await until(() => first.out.some((l) => l.includes('ready')));
    expect(first.out[0]).toMatch(/data-node 1 ready .* groups recovered - created 1,2 skipped - /);
    await until(async () => {
      const status = await readStatus(command.dataDir);
      return status?.replicas.every((r) => r.raftRole === 'leader') === true;
    });
    first.stop('SIGTERM');
    expect(await running).toBe(0);
    expect(first.out.at(-1)).toBe('tessera: data-node 1 stopped');

    const second = capture();
    const again = runDataNode(command, second.io);
    await until(() => second.out.some((l) => l.includes('ready')));
    expect(second.out[0]).toMatch(/groups recovered 1,2 created - skipped - /);
    second.stop('SIGINT');
    expect(await again).toBe(0);

    // A lost disk: the table exists, the data dir is empty — nothing is re-created empty.
    const lost = capture();
    const fresh = runDataNode({ ...command, dataDir: `${command.dataDir}-new` }, lost.io);
    await until(() => lost.out.some((l) => l.includes('ready')));
    expect(lost.out[0]).toMatch(/groups recovered - created - skipped 1,2 /);
    expect(lost.err.join('\n')).toMatch(/not re-created empty/);
    lost.stop('SIGTERM');
    expect(await fresh).toBe(0);

    cp.stop('SIGTERM');
    expect(await cpRunning).toBe(0);
    expect(cp.out.at(-1)).toBe('tessera: control-plane 101 stopped');
  }, 30_000);

  it('refuses a cluster file without this node or member, or with another zone, with exit code 2', async () => {
    const { node: command, control } = await oneNodeCluster();
    const missing = capture();
    expect(await runDataNode({ ...command, nodeId: 7 }, missing.io)).toBe(2);
    expect(missing.err.join('\n')).toMatch(/node 7 is not in the cluster file/);
    const zone = capture();
    expect(await runDataNode({ ...command, zone: 'b' }, zone.io)).toBe(2);
    expect(zone.err.join('\n')).toMatch(/zone 'a'/);
    const noFile = capture();
    expect(
      await runDataNode({ ...command, clusterFile: join(command.dataDir, 'none') }, noFile.io),
    ).toBe(2);
    const noMember = capture();
    expect(await runControlPlane({ ...control, memberId: 5 }, noMember.io)).toBe(2);
    expect(noMember.err.join('\n')).toMatch(/member 5 is not in the cluster file/);
  });
});

describe('runDataNode --join', () => {
  it('starts a node the cluster file does not list: it registers its listeners and gets answers', async () => {
    const { node: fileNode, control } = await oneNodeCluster();
    const [peer, kv, ctl] = await freePorts(3);
    const joinAddresses = {
      peerAddress: `127.0.0.1:${peer ?? 0}`,
      kvAddress: `127.0.0.1:${kv ?? 0}`,
      controlAddress: `127.0.0.1:${ctl ?? 0}`,
    };
    const joining: DataNodeCommand = {
      ...fileNode,
      nodeId: 2,
      zone: 'b',
      dataDir: `${fileNode.dataDir}-joined`,
      join: joinAddresses,
    };
    const cp = capture();
    const cpRunning = runControlPlane(control, cp.io);
    await until(() => cp.out.some((l) => l.includes('ready')));
    const first = capture();
    const running = runDataNode(fileNode, first.io);
    await until(() => first.out.some((l) => l.includes('ready')));

    // Its ready line needs the control plane's answers, which reach it only through the
    // address its first heartbeat registered.
    const joined = capture();
    const joinRunning = runDataNode(joining, joined.io);
    await until(() => joined.out.some((l) => l.includes('ready')));
    expect(joined.out[0]).toMatch(
      new RegExp(
        `data-node 2 ready .* peer ${joinAddresses.peerAddress} kv ${joinAddresses.kvAddress} `,
      ),
    );
    const controlStatus = async () =>
      JSON.parse(await readFile(join(control.dataDir, 'status.json'), 'utf8')) as {
        nodes: { id: number; zone: string; state: string }[];
      };
    await until(async () =>
      (await controlStatus()).nodes.some((n) => n.id === 2 && n.zone === 'b' && n.state === 'up'),
    );
    joined.stop('SIGTERM');
    expect(await joinRunning).toBe(0);

    // Restarted with the same flags on its data dir: its identity marker lets it found again.
    const again = capture();
    const againRunning = runDataNode(joining, again.io);
    await until(() => again.out.some((l) => l.includes('ready')));
    again.stop('SIGTERM');
    expect(await againRunning).toBe(0);

    // Its data dir is refused to another id; a node of the file is refused --join.
    const stolen = capture();
    expect(await runDataNode({ ...joining, nodeId: 3 }, stolen.io)).toBe(2);
    expect(stolen.err.join('\n')).toMatch(/belongs to node 2, not 3/);
    first.stop('SIGTERM');
    expect(await running).toBe(0);
    const listed = capture();
    expect(await runDataNode({ ...fileNode, join: joinAddresses }, listed.io)).toBe(2);
    expect(listed.err.join('\n')).toMatch(/node 1 is in the cluster file: start it without --join/);

    cp.stop('SIGTERM');
    expect(await cpRunning).toBe(0);
  }, 30_000);

  it('refuses listeners the cluster file already uses and ids of members, with exit code 2', async () => {
    const { node: fileNode, control } = await oneNodeCluster();
    const spec = JSON.parse(await readFile(fileNode.clusterFile, 'utf8')) as ClusterSpec;
    const [a, b, c] = await freePorts(3);
    const join2 = {
      peerAddress: spec.nodes[0]?.kvAddress ?? '',
      kvAddress: `127.0.0.1:${a ?? 0}`,
      controlAddress: `127.0.0.1:${b ?? 0}`,
    };
    const clash = capture();
    expect(
      await runDataNode(
        { ...fileNode, nodeId: 2, dataDir: `${fileNode.dataDir}-x`, join: join2 },
        clash.io,
      ),
    ).toBe(2);
    expect(clash.err.join('\n')).toMatch(
      /address 127\.0\.0\.1:\d+ is already used in the cluster file/,
    );
    const member = capture();
    const free = { ...join2, peerAddress: `127.0.0.1:${c ?? 0}` };
    expect(
      await runDataNode(
        { ...fileNode, nodeId: control.memberId, dataDir: `${fileNode.dataDir}-y`, join: free },
        member.io,
      ),
    ).toBe(2);
    expect(member.err.join('\n')).toMatch(/id 101 belongs to a control-plane member or a client/);
  });
});
