import type { NodeId, Placement } from '@tessera/placement';
import { describe, expect, it } from 'vitest';
import { SimCluster } from '../node/test/sim-cluster';
import { syncRankingNodes } from './ranking-sync';

/** One representation, one slice (group 1), three data replicas, ranked on `ranking`. */
function placement(ranking: NodeId): Placement {
  return {
    representations: [
      {
        id: 1,
        name: 't',
        replication: { replicas: 3, loggers: 0, learners: 0 },
        slices: [
          {
            id: 0,
            range: { start: 0n, end: 1n << 64n },
            members: [1, 2, 3].map((node) => ({ node, zone: `z${node}`, role: 'replica' })),
            rankingReplica: ranking,
          },
        ],
      },
    ],
  };
}

describe('syncRankingNodes (what node agents do with each slice map)', () => {
  it("keeps leadership where the map ranks the slice, even after the old ranking node's return", async () => {
    const sim = new SimCluster({ seed: 61, nodeIds: [1, 2, 3] });
    const voters = [1, 2, 3].map((nodeId) => ({ nodeId, role: 'voter' as const }));
    sim.createGroup({ groupId: 1, spaceId: 1, members: voters, rankingNode: 1 });
    await sim.runUntil(() => sim.leaderOf(1) === 1, 10_000);
    expect(sim.leaderOf(1)).toBe(1);

    // Node 1 dies; the control plane re-ranks the slice on node 3; the agents pass it on.
    sim.crash(1);
    const map = placement(3);
    expect(syncRankingNodes(sim.node(2), map)).toEqual([1]);
    expect(syncRankingNodes(sim.node(3), map)).toEqual([1]);
    expect(syncRankingNodes(sim.node(3), map)).toEqual([]); // already so: nothing to do
    await sim.runUntil(() => sim.leaderOf(1) === 3, 10_000);
    expect(sim.leaderOf(1)).toBe(3);

    // Node 1 returns, still preferring itself. The leader's preference is what counts, and
    // node 3's is the map's: it keeps leading (a leader still preferring node 1 would hand
    // leadership back once node 1 caught up). Node 1's agent corrects node 1 too, which
    // matters if it ever leads again.
    sim.restart(1);
    expect(sim.node(1).replica(1)?.rankingNode).toBe(1);
    expect(syncRankingNodes(sim.node(1), map)).toEqual([1]);
    await sim.runFor(5_000);
    expect(sim.leaderOf(1)).toBe(3);
    // A map of another table's slices (no replica here) changes nothing.
    expect(syncRankingNodes(sim.node(1), { representations: [] })).toEqual([]);
  }, 30_000);
});
