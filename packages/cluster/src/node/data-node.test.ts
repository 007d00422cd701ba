import { describe, expect, it } from 'vitest';
import { MvccStore, RaftLogStore } from '@tessera/storage';
import { SimCluster, put, s } from './test/sim-cluster';

const voters3 = [
  { nodeId: 1, role: 'voter' },
  { nodeId: 2, role: 'voter' },
  { nodeId: 3, role: 'voter' },
] as const;
const votersAndLogger = [
  { nodeId: 1, role: 'voter' },
  { nodeId: 2, role: 'voter' },
  { nodeId: 3, role: 'logger' },
] as const;

describe('DataNode', () => {
  it('elects leaders and applies proposals in one order on every data member; the logger keeps only the log', async () => {
    const sim = new SimCluster({ seed: 1, nodeIds: [1, 2, 3] });
    sim.createGroup({ groupId: 10, spaceId: 100, members: voters3 });
    sim.createGroup({ groupId: 20, spaceId: 200, members: votersAndLogger });
    await sim.waitForLeader(10);
    await sim.waitForLeader(20);

    for (let i = 1; i <= 20; i++) {
      const [r1] = await sim.proposeAndWait(10, [put(`k${i % 5}`, `a${i}`, 1000 + i)]);
      expect(r1).toEqual({ kind: 'ok' });
      const [r2] = await sim.proposeAndWait(20, [put(`k${i % 5}`, `b${i}`, 1000 + i)]);
      expect(r2).toEqual({ kind: 'ok' });
    }
    await sim.runFor(500);

    // Every data member holds the same rows, at the same applied index.
    const rows10 = [1, 2, 3].map((n) => sim.rows(n, 100).map((r) => [s(r.key), s(r.value)]));
    expect(rows10[0]).toEqual([
      ['k0', 'a20'],
      ['k1', 'a16'],
      ['k2', 'a17'],
      ['k3', 'a18'],
      ['k4', 'a19'],
    ]);
    expect(rows10[1]).toEqual(rows10[0]);
    expect(rows10[2]).toEqual(rows10[0]);
    const applied10 = [1, 2, 3].map((n) => sim.spaceInfo(n, 100)?.appliedIndex);
    expect(new Set(applied10).size).toBe(1);
    expect(sim.rows(1, 200)).toEqual(sim.rows(2, 200));
    expect(sim.rows(1, 200).map((r) => s(r.value))).toContain('b20');

    // Same log, entry for entry, on all three members of group 20 (logger included).
    const logs = [1, 2, 3].map((n) => {
      const log = new RaftLogStore(sim.engine(n));
      const read = log.entries(20, 1, log.lastIndex(20) + 1);
      if (read.kind !== 'ok') throw new Error(read.kind);
      return read.entries.map((e) => `${e.index}/${e.term}/${e.data.length}`);
    });
    expect(logs[0]?.length).toBeGreaterThanOrEqual(21);
    expect(logs[1]).toEqual(logs[0]);
    expect(logs[2]).toEqual(logs[0]);
    // The logger (node 3 in group 20) has no MVCC space at all.
    expect(new MvccStore(sim.engine(3)).listSpaces()).toEqual([100]);
    const status = sim
      .node(3)
      .status()
      .replicas.find((r) => r.groupId === 20);
    expect(status?.memberRole).toBe('logger');
    expect(status?.raftRole).toBe('follower');
  });

  it('counts the synchronous work of reads and applies into the node’s busy time', async () => {
    const sim = new SimCluster({ seed: 3, nodeIds: [1, 2, 3] });
    // Each monotonic reading is 1 ms after the previous one: one measured piece of work adds
    // exactly 1 ms (the simulator's own clock does not move during synchronous work).
    let monotonic = 0;
    Object.assign(sim.clock, { monotonicMs: () => ++monotonic });
    sim.createGroup({ groupId: 1, spaceId: 1, members: voters3 });
    await sim.proposeAndWait(1, [put('k', 'v', 10)]);
    await sim.runFor(500);
    const busy = () => [1, 2, 3].map((n) => sim.node(n).status().metrics.busyMs);
    // Every member applied the write: each spent time writing Readies.
    for (const ms of busy()) expect(ms).toBeGreaterThan(0);

    const leader = sim.leaderOf(1) ?? 0;
    const replica = sim.node(leader).replica(1);
    if (replica === undefined) throw new Error('no replica');
    const before = sim.node(leader).status().metrics.busyMs;
    const read = replica.read(1_000_000, new TextEncoder().encode('k'));
    // A lease read is served at once: its work is counted before the promise settles.
    expect(sim.node(leader).status().metrics.busyMs).toBe(before + 1);
    expect((await read).kind).toBe('value');
    // A refused read (a follower) did no data work.
    const follower = [1, 2, 3].find((n) => n !== leader) ?? 0;
    const followerBefore = sim.node(follower).status().metrics.busyMs;
    await expect(
      sim
        .node(follower)
        .replica(1)
        ?.read(1_000_000, new Uint8Array([1])),
    ).rejects.toMatchObject({
      code: 'NOT_LEADER',
    });
    expect(sim.node(follower).status().metrics.busyMs).toBe(followerBefore);
  });

  it('rejects proposals on followers with NOT_LEADER and a hint', async () => {
    const sim = new SimCluster({ seed: 2, nodeIds: [1, 2, 3] });
    sim.createGroup({ groupId: 1, spaceId: 1, members: voters3 });
    const leader = await sim.waitForLeader(1);
    await sim.runFor(200);
    const follower = [1, 2, 3].find((n) => n !== leader) ?? 0;
    const replica = sim.node(follower).replica(1);
    await expect(replica?.propose([put('k', 'v', 5)])).rejects.toMatchObject({
      code: 'NOT_LEADER',
      leaderHint: leader,
    });
    await expect(replica?.read(10, new Uint8Array([1]))).rejects.toMatchObject({
      code: 'NOT_LEADER',
    });
  });

  it('reports leader progress and replication lag per member', async () => {
    const sim = new SimCluster({ seed: 3, nodeIds: [1, 2, 3] });
    sim.createGroup({ groupId: 7, spaceId: 7, members: voters3 });
    await sim.proposeAndWait(7, [put('a', '1', 10)]);
    await sim.runFor(300);
    const leader = sim.leaderOf(7) ?? 0;
    const st = sim.node(leader).status().replicas[0];
    expect(st?.raftRole).toBe('leader');
    expect(st?.lease.held).toBe(true);
    expect(st?.progress?.map((p) => p.lagEntries)).toEqual([0, 0, 0]);
    expect(st?.applied).toBe(st?.commit);
  });

  it('acknowledges a create once durable; a restart then recovers the replica', async () => {
    const sim = new SimCluster({ seed: 4, nodeIds: [1, 2, 3] });
    const replica = sim.node(2).createReplica({
      groupId: 30,
      spaceId: 300,
      members: voters3,
      bootstrap: true,
    });
    let durable = false;
    void replica.whenDurable().then(() => (durable = true));
    expect(durable).toBe(false);
    await sim.runFor(10);
    expect(durable).toBe(true);
    sim.crash(2);
    sim.groups.clear(); // nothing for the harness to re-create: recovery must find it
    const restarted = sim.restart(2);
    expect(restarted.groupIds()).toEqual([30]);
    expect(sim.spaceInfo(2, 300)?.appliedIndex).toBe(0);
    await restarted.replica(30)?.whenDurable();
  });
});
