import { describe, expect, it } from 'vitest';
import type { ConfChange } from '@tessera/raft';
import { MvccStore } from '@tessera/storage';
import { runSimulatedFor } from '../runtime/sim-run';
import { SimCluster, b, put, s, verifyAcked, verifyConverged } from './test/sim-cluster';
import type { AckedWrite, GroupSpec } from './test/sim-cluster';

const group: GroupSpec = {
  groupId: 7,
  spaceId: 70,
  members: [
    { nodeId: 1, role: 'voter' },
    { nodeId: 2, role: 'voter' },
    { nodeId: 3, role: 'voter' },
  ],
};

function newSim(seed: number, nodeIds = [1, 2, 3]): SimCluster {
  return new SimCluster({
    seed,
    nodeIds,
    nodeOptions: { snapshotEveryEntries: 5 },
    wireCodec: true,
  });
}

/** Writes `count` keys (k0..k9 overwritten in turn), returns what was acknowledged. */
async function writeMany(sim: SimCluster, from: number, count: number): Promise<AckedWrite[]> {
  const acked: AckedWrite[] = [];
  for (let i = from; i < from + count; i++) {
    const key = `k${i % 10}`;
    const value = `v${i}`;
    const commitTs = 1_000 + i;
    const [r] = await sim.proposeAndWait(group.groupId, [put(key, value, commitTs)]);
    expect(r).toEqual({ kind: 'ok' });
    acked.push({ groupId: group.groupId, key, value, commitTs });
  }
  return acked;
}

function rowsText(sim: SimCluster, nodeId: number): string[] {
  return sim.rows(nodeId, group.spaceId).map((r) => `${s(r.key)}=${s(r.value)}`);
}

/** Proposes a membership change on the current leader and runs until it is applied there. */
async function changeMembership(sim: SimCluster, change: ConfChange): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const leader = await sim.waitForLeader(group.groupId);
    const replica = sim.node(leader).replica(group.groupId);
    if (replica === undefined) throw new Error('leader lost its replica');
    let outcome: { ok: true } | { err: unknown } | undefined;
    replica.changeMembership(change).then(
      () => (outcome = { ok: true }),
      (err: unknown) => (outcome = { err }),
    );
    await sim.runUntil(() => outcome !== undefined, 10_000, 5);
    if (outcome !== undefined && 'ok' in outcome) return;
  }
  throw new Error(`membership change ${JSON.stringify(change)} did not apply`);
}

describe('snapshots and log compaction', () => {
  it('compacts under load; a follower down past the compaction point catches up by snapshot', async () => {
    const sim = newSim(1);
    sim.createGroup(group);
    const acked = await writeMany(sim, 0, 5);
    await sim.runFor(200);
    sim.crash(3);
    acked.push(...(await writeMany(sim, 5, 40)));
    await sim.runFor(200);
    const leader = await sim.waitForLeader(group.groupId);
    // Every data member compacted behind its applied index; the log is short.
    for (const n of [1, 2]) {
      const st = sim.node(n).replica(group.groupId)?.status();
      expect(st?.snapshotIndex).toBeGreaterThanOrEqual(40);
      expect(sim.raftLogStart(n, group.groupId)).toBeGreaterThan(
        sim.raftLastIndex(3, group.groupId),
      );
      expect(st?.lastIndex).toBeLessThan((st?.snapshotIndex ?? 0) + 10);
    }
    sim.restart(3);
    await sim.runUntil(
      () =>
        sim.node(3).replica(group.groupId)?.status().applied ===
        sim.node(leader).replica(group.groupId)?.status().applied,
      10_000,
    );
    expect(sim.node(3).metrics.snapshotsInstalled).toBeGreaterThanOrEqual(1);
    expect(sim.node(leader).metrics.snapshotsSent).toBeGreaterThanOrEqual(1);
    expect(sim.raftLogStart(3, group.groupId)).toBeGreaterThan(5);
    // And it keeps replicating by log entries afterwards.
    acked.push(...(await writeMany(sim, 45, 3)));
    await sim.runFor(500);
    verifyConverged(sim, group.groupId);
    verifyAcked(sim, acked);
    expect(rowsText(sim, 3)).toEqual(rowsText(sim, 1));
    expect(rowsText(sim, 3)).toContain('k7=v47');
  });

  it('restarts from a compacted log and serves the same data', async () => {
    const sim = newSim(2);
    sim.createGroup(group);
    const acked = await writeMany(sim, 0, 33);
    await sim.runFor(500);
    const before = rowsText(sim, 1);
    for (const n of [1, 2, 3]) expect(sim.raftLogStart(n, group.groupId)).toBeGreaterThan(20);
    for (const n of [1, 2, 3]) sim.crash(n);
    for (const n of [1, 2, 3]) sim.restart(n);
    for (const n of [1, 2, 3]) {
      expect(sim.node(n).replica(group.groupId)?.status().snapshotIndex).toBeGreaterThan(20);
    }
    const leader = await sim.waitForLeader(group.groupId);
    const replica = sim.node(leader).replica(group.groupId);
    let got: string | undefined;
    void replica
      ?.read(Number.MAX_SAFE_INTEGER - 1, b('k2'), { readIndexFallback: true })
      .then((r) => (got = r.kind === 'value' ? s(r.value) : r.kind));
    await sim.runUntil(() => got !== undefined, 5_000);
    expect(got).toBe('v32');
    for (const n of [1, 2, 3]) expect(rowsText(sim, n)).toEqual(before);
    // It keeps taking writes, compacts again, and crashes once more without harm.
    acked.push(...(await writeMany(sim, 33, 12)));
    await sim.runFor(300);
    sim.crash(leader);
    sim.restart(leader);
    acked.push(...(await writeMany(sim, 45, 3)));
    await sim.runFor(500);
    verifyConverged(sim, group.groupId);
    verifyAcked(sim, acked);
  });

  it('adds a node as learner through a snapshot, promotes it, removes an old member, keeps writing', async () => {
    const sim = newSim(3, [1, 2, 3, 4]);
    sim.createGroup(group);
    const acked = await writeMany(sim, 0, 12);
    const joiner = sim.node(4).createReplica({
      groupId: group.groupId,
      spaceId: group.spaceId,
      members: [{ nodeId: 4, role: 'learner' }],
      bootstrap: false,
    });
    expect(joiner.status().memberRole).toBe('learner');
    await changeMembership(sim, { type: 'addLearner', nodeId: 4 });
    const caughtUp = () => {
      const leader = sim.leaderOf(group.groupId);
      const la =
        leader === undefined ? -1 : sim.node(leader).replica(group.groupId)?.status().applied;
      return sim.node(4).replica(group.groupId)?.status().applied === la;
    };
    expect(await sim.runUntil(caughtUp, 10_000)).toBe(true);
    expect(sim.node(4).metrics.snapshotsInstalled).toBeGreaterThanOrEqual(1);
    expect(rowsText(sim, 4)).toEqual(rowsText(sim, 1));

    await changeMembership(sim, { type: 'addVoter', nodeId: 4 });
    await changeMembership(sim, { type: 'removeNode', nodeId: 3 });

    let removed = false;
    void sim
      .node(3)
      .removeReplica(group.groupId)
      .then(() => (removed = true));
    await sim.runUntil(() => removed, 1_000);
    expect(removed).toBe(true);
    await sim.runFor(300);
    expect(new MvccStore(sim.engine(3)).spaceInfo(group.spaceId)).toBeUndefined();
    const newMembers = [
      { nodeId: 1, role: 'voter' as const },
      { nodeId: 2, role: 'voter' as const },
      { nodeId: 4, role: 'voter' as const },
    ];
    sim.groups.set(group.groupId, { ...group, members: newMembers });
    for (const n of [1, 2, 4]) {
      const cs = sim.node(n).replica(group.groupId)?.raftStatus().confState;
      expect(cs?.voters).toEqual([1, 2, 4]);
    }
    expect(sim.node(4).replica(group.groupId)?.status().memberRole).toBe('voter');

    // The group keeps accepting writes; node 4 can lead them; a restart of node 4 recovers
    // its (snapshot-started) replica with the group's current membership.
    acked.push(...(await writeMany(sim, 12, 8)));
    sim.crash(4);
    sim.restart(4);
    acked.push(...(await writeMany(sim, 20, 8)));
    await sim.runFor(500);
    expect(sim.node(4).replica(group.groupId)?.raftStatus().confState.voters).toEqual([1, 2, 4]);
    // Only the new members may hold the surviving writes: check them there.
    verifyConverged(sim, group.groupId);
    verifyAcked(sim, acked);
    sim.crash(1);
    acked.push(...(await writeMany(sim, 28, 3)));
    sim.restart(1);
    await sim.runFor(1_000);
    verifyConverged(sim, group.groupId);
    verifyAcked(sim, acked);
  }, 30_000);

  it('recovers consistently from a crash during a snapshot install (before it is durable)', async () => {
    const sim = newSim(4);
    sim.createGroup(group);
    const acked = await writeMany(sim, 0, 5);
    await sim.runFor(200);
    sim.crash(3);
    acked.push(...(await writeMany(sim, 5, 30)));
    await sim.runFor(200);
    const appliedBefore = sim.spaceInfo(3, group.spaceId)?.appliedIndex ?? 0;
    const rowsBefore = rowsText(sim, 3);

    // Node 3 comes back and receives a snapshot; the process dies right after the cycle wrote
    // the install (visible in the engine) and before the disk synced it.
    sim.restart(3);
    let visibleApplied: number | undefined;
    await runSimulatedFor(sim.clock, 5_000, {
      afterEvent: () => {
        if (visibleApplied !== undefined || sim.node(3).metrics.snapshotsInstalled === 0) return;
        visibleApplied = sim.spaceInfo(3, group.spaceId)?.appliedIndex ?? 0;
        sim.crash(3);
      },
    });
    expect(visibleApplied).toBeGreaterThan(appliedBefore);
    // Nothing of the install survived: the old space, and its log as it was.
    expect(sim.spaceInfo(3, group.spaceId)?.appliedIndex).toBe(appliedBefore);
    expect(rowsText(sim, 3)).toEqual(rowsBefore);
    expect(sim.raftLogStart(3, group.groupId)).toBeLessThanOrEqual(appliedBefore);

    sim.restart(3);
    acked.push(...(await writeMany(sim, 35, 3)));
    await sim.runFor(1_000);
    verifyConverged(sim, group.groupId);
    verifyAcked(sim, acked);
    expect(sim.raftLogStart(3, group.groupId)).toBeGreaterThan(appliedBefore);
  });
});
