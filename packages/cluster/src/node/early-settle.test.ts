import { MvccStore } from '@tessera/storage';
import { describe, expect, it } from 'vitest';
import type { AckedWrite } from './test/sim-cluster';
import { SimCluster, Workload, b, verifyAcked, verifyConverged } from './test/sim-cluster';

const SPACE = 10;

describe('proposals settle at apply, before the applying batch is durable', () => {
  it('writes acknowledged by a leader whose applies a crash then loses are replayed after its restart', async () => {
    const sim = new SimCluster({ seed: 23, nodeIds: [1, 2, 3] });
    const voters = [1, 2, 3].map((nodeId) => ({ nodeId, role: 'voter' as const }));
    sim.createGroup({ groupId: 1, spaceId: SPACE, members: voters });
    const leader = await sim.waitForLeader(1);
    // Under load every leader cycle carries new entries (mustSync), so it awaits its fsync.
    const workload = new Workload(sim, [1], 1);
    await sim.runFor(500);
    expect(workload.acked.length).toBeGreaterThan(50);

    // The leader's disk stops syncing, then the process dies: every batch since the last sync
    // is lost, including the applies of entries it already acknowledged.
    const engine = sim.engine(leader);
    const realSync = engine.sync.bind(engine);
    engine.sync = () => 0;
    await sim.runFor(20);
    const appliedInMemory = sim.node(leader).replica(1)?.status().applied ?? 0;
    sim.crash(leader);
    engine.sync = realSync;
    expect(appliedOnDisk(sim, leader)).toBeLessThan(appliedInMemory);
    const lostOnLeader = workload.acked.filter((w) => !holds(sim, leader, w));
    // Acknowledged, yet not durably applied on the leader that acknowledged them: safe only
    // because they were committed on a persisted majority and are durable in its log.
    expect(lostOnLeader.length).toBeGreaterThan(0);

    await sim.runFor(1_000);
    sim.restart(leader);
    await sim.runFor(2_000);
    workload.stop();
    await sim.runFor(1_000);

    verifyAcked(sim, workload.acked);
    verifyConverged(sim, 1);
    for (const w of lostOnLeader) expect(holds(sim, leader, w)).toBe(true);
    expect(appliedOnDisk(sim, leader)).toBeGreaterThanOrEqual(appliedInMemory);
  });
});

function appliedOnDisk(sim: SimCluster, nodeId: number): number {
  return sim.spaceInfo(nodeId, SPACE)?.appliedIndex ?? 0;
}

function holds(sim: SimCluster, nodeId: number, w: AckedWrite): boolean {
  const got = new MvccStore(sim.engine(nodeId)).get(SPACE, b(w.key), w.commitTs);
  return got.kind === 'value' && got.commitTs === w.commitTs;
}
