import { describe, expect, it } from 'vitest';
import { SimCluster, Workload, verifyAcked, verifyConverged } from './test/sim-cluster';

describe('leader crash', () => {
  it('a new leader takes over, the crashed node recovers from its engine and catches up, no acknowledged write is lost', async () => {
    const sim = new SimCluster({ seed: 7, nodeIds: [1, 2, 3] });
    const voters = [1, 2, 3].map((nodeId) => ({ nodeId, role: 'voter' as const }));
    sim.createGroup({ groupId: 1, spaceId: 1, members: voters });
    sim.createGroup({
      groupId: 2,
      spaceId: 2,
      members: [
        { nodeId: 1, role: 'voter' },
        { nodeId: 2, role: 'voter' },
        { nodeId: 3, role: 'logger' },
      ],
    });
    const oldLeader = await sim.waitForLeader(1);
    await sim.waitForLeader(2);
    const workload = new Workload(sim, [1, 2], 20);
    await sim.runFor(2_000);
    const ackedBeforeCrash = workload.acked.length;
    expect(ackedBeforeCrash).toBeGreaterThan(100);

    sim.crash(oldLeader);
    await sim.runFor(3_000);
    const newLeader = sim.leaderOf(1);
    expect(newLeader).toBeDefined();
    expect(newLeader).not.toBe(oldLeader);
    const ackedWhileDown = workload.acked.length - ackedBeforeCrash;
    expect(ackedWhileDown).toBeGreaterThan(100);

    const restarted = sim.restart(oldLeader);
    expect(restarted.groupIds().sort()).toEqual([1, 2]);
    await sim.runFor(3_000);
    workload.stop();
    await sim.runFor(2_000);

    verifyAcked(sim, workload.acked);
    verifyConverged(sim, 1);
    verifyConverged(sim, 2);
    const st = restarted.status().replicas.find((r) => r.groupId === 1);
    expect(st?.applied).toBe(st?.commit);
    expect(workload.acked.length).toBeGreaterThan(300);
  });

  it('replays committed-but-unapplied entries exactly once after a restart', async () => {
    const sim = new SimCluster({ seed: 11, nodeIds: [1, 2, 3] });
    const voters = [1, 2, 3].map((nodeId) => ({ nodeId, role: 'voter' as const }));
    sim.createGroup({ groupId: 5, spaceId: 50, members: voters });
    const workload = new Workload(sim, [5], 10);
    await sim.runFor(1_000);
    // Crash every node at once, mid-traffic: each keeps only what it had synced.
    for (const id of [1, 2, 3]) sim.crash(id);
    workload.stop();
    for (const id of [1, 2, 3]) sim.restart(id);
    await sim.waitForLeader(5);
    await sim.runFor(1_000);
    verifyAcked(sim, workload.acked);
    verifyConverged(sim, 5);
    // putVersion counts one record per write: a double apply would count twice.
    const info = sim.spaceInfo(1, 50);
    const distinct = new Set(workload.acked.map((w) => w.commitTs)).size;
    expect(info?.approxRecords).toBeGreaterThanOrEqual(distinct);
    expect(info?.approxRecords).toBeLessThanOrEqual(distinct + 10);
  });
});
