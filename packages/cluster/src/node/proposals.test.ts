import { describe, expect, it } from 'vitest';
import type { CommandResult } from '@tessera/storage';
import { ReplicaError } from './errors';
import { SimCluster, put } from './test/sim-cluster';

const voters = [1, 2, 3].map((nodeId) => ({ nodeId, role: 'voter' as const }));

type Outcome = { ok: readonly CommandResult[] } | { code: string } | undefined;

function track(p: Promise<readonly CommandResult[]>): () => Outcome {
  let outcome: Outcome;
  p.then(
    (ok) => (outcome = { ok }),
    (error: unknown) => (outcome = { code: error instanceof ReplicaError ? error.code : '?' }),
  );
  return () => outcome;
}

describe('proposals', () => {
  it('a proposal appended by a deposed leader rejects with PROPOSAL_OVERWRITTEN once the new leader replaces its entry', async () => {
    const sim = new SimCluster({ seed: 21, nodeIds: [1, 2, 3] });
    sim.createGroup({ groupId: 1, spaceId: 1, members: voters });
    await sim.proposeAndWait(1, [put('a', '1', 10)]);
    await sim.runFor(300);
    const oldLeader = sim.leaderOf(1) ?? 0;
    sim.network.partition([[oldLeader]]);
    const stranded = track(
      sim
        .node(oldLeader)
        .replica(1)
        ?.propose([put('a', 'lost', 20)]) ?? never(),
    );
    await sim.runFor(2_000);
    const newLeader = [1, 2, 3].find(
      (n) => n !== oldLeader && sim.node(n).replica(1)?.raftStatus().role === 'leader',
    );
    expect(newLeader).toBeDefined();
    const replica = sim.node(newLeader ?? 0).replica(1);
    const won = track(replica?.propose([put('a', 'won', 30)]) ?? never());
    await sim.runFor(500);
    expect(won()).toEqual({ ok: [{ kind: 'ok' }] });
    expect(stranded()).toBeUndefined();
    sim.network.heal();
    await sim.runFor(2_000);
    expect(stranded()).toEqual({ code: 'PROPOSAL_OVERWRITTEN' });
  });

  it('bounds pending proposals per replica', async () => {
    const sim = new SimCluster({
      seed: 22,
      nodeIds: [1, 2, 3],
      nodeOptions: { maxPendingProposals: 4 },
    });
    sim.createGroup({ groupId: 1, spaceId: 1, members: voters });
    const leader = await sim.waitForLeader(1);
    const replica = sim.node(leader).replica(1);
    const outcomes = Array.from({ length: 6 }, (_, i) =>
      track(replica?.propose([put('k', `v${i}`, 10 + i)]) ?? never()),
    );
    await sim.runFor(500);
    expect(outcomes.map((o) => o()).filter((o) => o !== undefined && 'ok' in o)).toHaveLength(4);
    expect(outcomes[5]?.()).toEqual({ code: 'PROPOSAL_DROPPED' });
  });

  it('times out a proposal that cannot commit (ambiguous outcome)', async () => {
    const sim = new SimCluster({
      seed: 23,
      nodeIds: [1, 2, 3],
      nodeOptions: { proposalTimeoutMs: 1_000 },
    });
    sim.createGroup({ groupId: 1, spaceId: 1, members: voters });
    const leader = await sim.waitForLeader(1);
    await sim.runFor(300);
    sim.network.partition([[leader]]);
    const outcome = track(
      sim
        .node(leader)
        .replica(1)
        ?.propose([put('k', 'v', 10)]) ?? never(),
    );
    await sim.runFor(1_500);
    expect(outcome()).toEqual({ code: 'PROPOSAL_TIMEOUT' });
  });

  it('removeReplica rejects pending work and deletes the replica durably', async () => {
    const sim = new SimCluster({ seed: 24, nodeIds: [1, 2, 3] });
    sim.createGroup({ groupId: 8, spaceId: 80, members: voters });
    sim.createGroup({ groupId: 9, spaceId: 90, members: voters });
    await sim.proposeAndWait(8, [put('k', 'v', 10)]);
    await sim.runFor(300);
    const node = sim.node(3);
    let removed = false;
    void node.removeReplica(8).then(() => (removed = true));
    await expect(node.removeReplica(8)).rejects.toMatchObject({ code: 'NO_SUCH_REPLICA' });
    await sim.runFor(100);
    expect(removed).toBe(true);
    expect(node.groupIds()).toEqual([9]);
    expect(sim.spaceInfo(3, 80)).toBeUndefined();
    expect(sim.raftLastIndex(3, 8)).toBe(0);
    sim.groups.delete(8); // the control plane no longer places group 8 on node 3
    sim.crash(3);
    const restarted = sim.restart(3);
    expect(restarted.groupIds()).toEqual([9]);
    // Group 8 keeps working on its other two members.
    await sim.proposeAndWait(8, [put('k', 'v2', 20)]);
  });

  it('refuses commands the MVCC store would assert on, before they enter the log', async () => {
    const sim = new SimCluster({ seed: 25, nodeIds: [1, 2, 3] });
    sim.createGroup({ groupId: 1, spaceId: 1, members: voters });
    const leader = await sim.waitForLeader(1);
    await sim.runFor(300);
    const replica = sim.node(leader).replica(1);
    const lastIndex = replica?.raftStatus().lastIndex;
    await expect(replica?.propose([put('k', 'v', 0)])).rejects.toMatchObject({
      code: 'INVALID_COMMAND',
    });
    await expect(
      replica?.propose([{ kind: 'commit', key: new Uint8Array([1]), startTs: 9, commitTs: 9 }]),
    ).rejects.toMatchObject({ code: 'INVALID_COMMAND' });
    expect(replica?.raftStatus().lastIndex).toBe(lastIndex);
  });
});

function never(): Promise<readonly CommandResult[]> {
  return Promise.reject(new Error('no replica'));
}
