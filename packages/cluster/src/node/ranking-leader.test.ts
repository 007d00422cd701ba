import { describe, expect, it } from 'vitest';
import { loadReplicaRecords } from './replica-registry';
import { SimCluster, Workload, verifyAcked, verifyConverged } from './test/sim-cluster';

const lossy = { dropRate: 0.02, duplicateRate: 0.02, delayMsMin: 1, delayMsMax: 10 };

describe('the leader is the ranking replica', () => {
  it('hands leadership to the ranking replica, away while it is down and back once it caught up', async () => {
    const sim = new SimCluster({ seed: 21, nodeIds: [1, 2, 3] });
    sim.createGroup({
      groupId: 1,
      spaceId: 1,
      members: [
        { nodeId: 1, role: 'voter' },
        { nodeId: 2, role: 'voter' },
        { nodeId: 3, role: 'logger' },
      ],
      rankingNode: 2,
    });
    await sim.runUntil(() => sim.leaderOf(1) === 2, 10_000);
    expect(sim.leaderOf(1)).toBe(2);
    const workload = new Workload(sim, [1], 10);
    await sim.runFor(1_000);

    sim.crash(2);
    await sim.runUntil(() => sim.leaderOf(1) === 1, 10_000);
    expect(sim.leaderOf(1)).toBe(1);
    await sim.runFor(1_000);

    sim.restart(2);
    // Back: it catches up, then the leader hands over (once per election timeout at most).
    await sim.runUntil(() => sim.leaderOf(1) === 2, 10_000);
    expect(sim.leaderOf(1)).toBe(2);
    await sim.runFor(1_000);
    workload.stop();
    await sim.runFor(1_000);
    verifyAcked(sim, workload.acked);
    verifyConverged(sim, 1);
    expect(workload.acked.length).toBeGreaterThan(100);
  }, 30_000);

  it('backs off from a ranking replica that looks caught up but never takes over, so writes go on', async () => {
    const sim = new SimCluster({ seed: 51, nodeIds: [1, 2, 3] });
    const voters = [1, 2, 3].map((nodeId) => ({ nodeId, role: 'voter' as const }));
    sim.createGroup({ groupId: 1, spaceId: 1, members: voters, rankingNode: 1 });
    await sim.runUntil(() => sim.leaderOf(1) === 1, 10_000);
    await sim.runFor(1_000);
    // Idle, node 3 holds everything committed; now it is cut off without the leader noticing
    // (its progress still says caught up: a node back on an empty disk looks the same), and
    // the control plane ranks it. Each hand-off to it runs an election timeout, dropping
    // proposals, and fails.
    sim.network.setDown(3, true);
    for (const id of [1, 2]) sim.node(id).replica(1)?.setRankingNode(3);
    await sim.runFor(3_000);
    // Retried at every check, the hand-offs would leave no window for a write to commit
    // (and a committed write is what makes node 3 look behind). Backing off leaves one.
    const workload = new Workload(sim, [1], 10);
    await sim.runFor(5_000);
    expect(workload.acked.length).toBeGreaterThan(200);
    expect(sim.leaderOf(1)).toBe(1);
    // Node 3 returns, catches up, and the hand-off succeeds.
    sim.network.setDown(3, false);
    await sim.runUntil(() => sim.leaderOf(1) === 3, 60_000);
    expect(sim.leaderOf(1)).toBe(3);
    workload.stop();
    await sim.runFor(1_000);
    verifyAcked(sim, workload.acked);
    verifyConverged(sim, 1);
  }, 30_000);

  it('keeps leases safe across hand-overs: no acknowledged write is lost under a lossy network', async () => {
    for (const seed of [31, 32, 33]) {
      const sim = new SimCluster({ seed, nodeIds: [1, 2, 3], faults: lossy });
      const members = [
        { nodeId: 1, role: 'voter' as const },
        { nodeId: 2, role: 'voter' as const },
        { nodeId: 3, role: 'voter' as const },
      ];
      for (const [groupId, rankingNode] of [
        [1, 1],
        [2, 2],
        [3, 3],
      ] as const) {
        sim.createGroup({ groupId, spaceId: groupId, members, rankingNode });
      }
      const workload = new Workload(sim, [1, 2, 3], 10);
      for (let round = 0; round < 3; round++) {
        await sim.runFor(1_500);
        const victim = 1 + ((seed + round) % 3);
        sim.crash(victim);
        await sim.runFor(1_500);
        sim.restart(victim);
      }
      await sim.runFor(3_000);
      workload.stop();
      await sim.runFor(2_000);
      verifyAcked(sim, workload.acked);
      for (const g of [1, 2, 3]) {
        verifyConverged(sim, g);
        expect(sim.leaderOf(g), `seed ${seed} group ${g}`).toBe(g);
      }
    }
    // Three simulated clusters: seconds of CPU on a loaded CI machine.
  }, 60_000);

  it('stops serving lease reads the moment it asks for a transfer (the transferee may win at once)', async () => {
    const sim = new SimCluster({ seed: 41, nodeIds: [1, 2, 3] });
    const voters = [1, 2, 3].map((nodeId) => ({ nodeId, role: 'voter' as const }));
    sim.createGroup({ groupId: 1, spaceId: 1, members: voters });
    const leader = await sim.waitForLeader(1);
    await sim.runFor(1_000);
    const replica = sim.node(leader).replica(1);
    if (replica === undefined) throw new Error('no replica');
    expect(replica.status().lease.held).toBe(true);
    const target = leader === 1 ? 2 : 1;
    replica.setRankingNode(target);
    const term = replica.raftStatus().term;
    // Step until the hand-over starts, then look at the old leader before it ends.
    let seen = false;
    for (let i = 0; i < 400 && !seen; i++) {
      await sim.runFor(1);
      const st = replica.raftStatus();
      if (st.role === 'leader' && st.term === term && st.leadTransferee === target) {
        seen = true;
        expect(replica.status().lease).toMatchObject({ held: false, gap: 'transferring' });
      }
    }
    expect(seen).toBe(true);
    await sim.runUntil(() => sim.leaderOf(1) === target, 5_000);
    expect(sim.leaderOf(1)).toBe(target);
  }, 30_000);

  it('follows a re-rank and keeps it in the replica record across a restart', async () => {
    const sim = new SimCluster({ seed: 51, nodeIds: [1, 2, 3] });
    const voters = [1, 2, 3].map((nodeId) => ({ nodeId, role: 'voter' as const }));
    sim.createGroup({ groupId: 1, spaceId: 1, members: voters, rankingNode: 1 });
    await sim.runUntil(() => sim.leaderOf(1) === 1, 10_000);
    expect(sim.leaderOf(1)).toBe(1);
    // The control plane re-ranks the slice on node 3: every member hears it (node agents).
    for (const id of [1, 2, 3]) sim.node(id).replica(1)?.setRankingNode(3);
    await sim.runUntil(() => sim.leaderOf(1) === 3, 10_000);
    expect(sim.leaderOf(1)).toBe(3);
    await sim.runFor(200); // the rewritten records reach the (periodically synced) disk
    const recorded = (id: number) =>
      loadReplicaRecords(sim.engine(id)).find((r) => r.groupId === 1)?.rankingNode;
    expect([1, 2, 3].map(recorded)).toEqual([3, 3, 3]);
    // Every node restarts: the preference comes back from the records, not from the creator.
    for (const id of [1, 2, 3]) sim.crash(id);
    for (const id of [1, 2, 3]) sim.restart(id);
    expect([1, 2, 3].map((id) => sim.node(id).replica(1)?.rankingNode)).toEqual([3, 3, 3]);
    await sim.runUntil(() => sim.leaderOf(1) === 3, 10_000);
    expect(sim.leaderOf(1)).toBe(3);
  }, 30_000);
});
