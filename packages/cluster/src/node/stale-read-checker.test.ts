import { describe, expect, it } from 'vitest';
import type { DataNodeTestingKnobs } from './options';
import { SimCluster, Workload } from './test/sim-cluster';

// The checker is tested too. Clients with stale routing read from any node that believes it
// leads; the Workload flags a read that misses a write acknowledged before the read started.
// With leases switched off (a leader serves reads on its role alone), a partitioned old leader
// answers reads while a new leader acknowledges writes, and the checker must see it.
async function partitionLeaders(testingKnobs: DataNodeTestingKnobs): Promise<Workload> {
  const sim = new SimCluster({ seed: 31, nodeIds: [1, 2, 3], nodeOptions: { testingKnobs } });
  sim.createGroup({
    groupId: 1,
    spaceId: 1,
    members: [1, 2, 3].map((nodeId) => ({ nodeId, role: 'voter' as const })),
  });
  await sim.waitForLeader(1);
  const workload = new Workload(sim, [1], 10, 1, true);
  for (let round = 0; round < 6; round++) {
    await sim.runFor(1_000);
    const leader = sim.leaderOf(1);
    if (leader !== undefined) sim.network.partition([[leader]]);
    await sim.runFor(3_000);
    sim.network.heal();
  }
  workload.stop();
  await sim.runFor(1_000);
  return workload;
}

describe('stale-read checker', () => {
  it('catches leaders that read without a lease (planted bug)', async () => {
    const workload = await partitionLeaders({ leaseReadsWithoutQuorum: true });
    expect(workload.staleReads.length).toBeGreaterThan(0);
  });

  it('finds nothing with leases on, under the same schedule', async () => {
    const workload = await partitionLeaders({});
    expect(workload.readsServed).toBeGreaterThan(500);
    expect(workload.staleReads).toEqual([]);
  });
});
