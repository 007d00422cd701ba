import type { MemberRole, NodeId, Placement, Slice } from '@tessera/placement';
import { describe, expect, it } from 'vitest';
import { put, SimCluster } from '../node/test/sim-cluster';
import { isJoiningMember, MembershipSync, nextMembershipChange } from './membership-sync';

/** Group 1's slice (slice 0) with the given members, ranked on `ranking`. */
function slice(members: readonly [NodeId, MemberRole][], ranking: NodeId): Slice {
  return {
    id: 0,
    range: { start: 0n, end: 1n << 64n },
    members: members.map(([node, role]) => ({ node, zone: `z${node}`, role })),
    rankingReplica: ranking,
  };
}

function placement(s: Slice, learners = 0): Placement {
  return {
    representations: [
      { id: 1, name: 't', replication: { replicas: 3, loggers: 0, learners }, slices: [s] },
    ],
  };
}

describe('nextMembershipChange (what a group leader proposes to match the map)', () => {
  const conf = (voters: NodeId[], learners: NodeId[] = [], loggers: NodeId[] = []) => ({
    voters,
    learners,
    loggers,
  });
  const before = slice(
    [
      [1, 'replica'],
      [2, 'replica'],
      [3, 'replica'],
      [4, 'learner'],
    ],
    1,
  );
  const after = slice(
    [
      [1, 'replica'],
      [2, 'replica'],
      [4, 'replica'],
    ],
    1,
  );

  it('adds the learner, then promotes it, then removes the replaced member — one at a time', () => {
    expect(nextMembershipChange(conf([1, 2, 3]), before, 1)).toEqual({
      type: 'addLearner',
      nodeId: 4,
    });
    expect(nextMembershipChange(conf([1, 2, 3], [4]), before, 1)).toBeUndefined();
    // The map promoted 4 and dropped 3 in one step: Raft still adds before it removes.
    expect(nextMembershipChange(conf([1, 2, 3], [4]), after, 1)).toEqual({
      type: 'addVoter',
      nodeId: 4,
    });
    expect(nextMembershipChange(conf([1, 2, 3, 4]), after, 1)).toEqual({
      type: 'removeNode',
      nodeId: 3,
    });
    expect(nextMembershipChange(conf([1, 2, 4]), after, 1)).toBeUndefined();
    // A new logger is added as a logger (Raft has no non-voting logger), then the old leaves.
    const loggerOut = slice(
      [
        [1, 'replica'],
        [2, 'replica'],
        [3, 'logger'],
        [4, 'logger'],
      ],
      1,
    );
    expect(nextMembershipChange(conf([1, 2], [], [3]), loggerOut, 1)).toEqual({
      type: 'addLogger',
      nodeId: 4,
    });
    // A leader never proposes its own removal (the map re-ranks it away first).
    expect(nextMembershipChange(conf([1, 2, 3, 4]), after, 3)).toBeUndefined();
    // A stale map (read before 4 was added) never removes a promoted voter: Raft has no more
    // voters than that map lists. It does drop a learner the map does not list.
    const stale = slice(
      [
        [1, 'replica'],
        [2, 'replica'],
        [3, 'replica'],
      ],
      1,
    );
    expect(nextMembershipChange(conf([1, 2, 4]), stale, 1)).toBeUndefined();
    expect(nextMembershipChange(conf([1, 2, 3], [4]), stale, 1)).toEqual({
      type: 'removeNode',
      nodeId: 4,
    });
  });

  it('tells a replacement being copied from a configured read learner', () => {
    expect(isJoiningMember(placement(before).representations[0] ?? fail(), before, 4)).toBe(true);
    expect(isJoiningMember(placement(before).representations[0] ?? fail(), before, 1)).toBe(false);
    // With one read learner configured, a founding learner is not a joiner.
    expect(isJoiningMember(placement(before, 1).representations[0] ?? fail(), before, 4)).toBe(
      false,
    );
  });
});

function fail(): never {
  throw new Error('missing');
}

describe('MembershipSync (node agents make Raft follow the map)', () => {
  it('replaces a dead member: the new node joins by snapshot, is promoted, the dead one removed', async () => {
    const sim = new SimCluster({
      seed: 71,
      nodeIds: [1, 2, 3, 4],
      nodeOptions: { snapshotEveryEntries: 8 },
    });
    const voters = [1, 2, 3].map((nodeId) => ({ nodeId, role: 'voter' as const }));
    sim.createGroup({ groupId: 1, spaceId: 1, members: voters, rankingNode: 1 });
    for (let i = 1; i <= 20; i++) await sim.proposeAndWait(1, [put(`k${i}`, `v${i}`, i)]);
    sim.crash(3);
    const syncs = new Map([1, 2, 4].map((id) => [id, new MembershipSync(sim.node(id))]));
    const syncAll = (map: Placement) => {
      for (const [id, sync] of syncs) if (sim.isUp(id)) sync.sync(map);
    };

    // The map adds node 4 as a learner: node 4 joins (no membership of its own), the leader
    // proposes addLearner once.
    const adding = placement(
      slice(
        [
          [1, 'replica'],
          [2, 'replica'],
          [3, 'replica'],
          [4, 'learner'],
        ],
        1,
      ),
    );
    const leader = await sim.waitForLeader(1);
    expect(syncs.get(4)?.sync(adding)).toEqual({ joined: [1], proposed: [] });
    expect(sim.node(4).replica(1)?.record.members).toEqual([]);
    const first = syncs.get(leader)?.sync(adding);
    expect(first?.proposed).toEqual([[1, { type: 'addLearner', nodeId: 4 }]]);
    expect(syncs.get(leader)?.sync(adding).proposed).toEqual([]); // in flight: not again
    const caughtUp = () => {
      const l = sim.leaderOf(1);
      const applied = l === undefined ? -1 : sim.node(l).replica(1)?.status().applied;
      return sim.node(4).replica(1)?.status().applied === applied;
    };
    for (let i = 0; i < 100 && !caughtUp(); i++) {
      syncAll(adding);
      await sim.runFor(100);
    }
    expect(caughtUp()).toBe(true);
    expect(sim.node(4).replica(1)?.raftStatus().confState.learners).toEqual([4]);
    expect(sim.node(4).metrics.snapshotsInstalled).toBeGreaterThanOrEqual(1);
    expect(sim.rows(4, 1)).toEqual(sim.rows(1, 1));

    // The map promotes 4 and drops 3 in one change; Raft goes 3 → 4 voters → 3 voters.
    const replaced = placement(
      slice(
        [
          [1, 'replica'],
          [2, 'replica'],
          [4, 'replica'],
        ],
        1,
      ),
    );
    const seenVoters: number[][] = [];
    const done = () =>
      [1, 2, 4].every(
        (id) => sim.node(id).replica(1)?.raftStatus().confState.voters.join() === '1,2,4',
      );
    for (let i = 0; i < 100 && !done(); i++) {
      syncAll(replaced);
      await sim.runFor(100);
      const v = sim.node(1).replica(1)?.raftStatus().confState.voters ?? [];
      if (seenVoters.at(-1)?.join() !== v.join()) seenVoters.push([...v]);
    }
    expect(done()).toBe(true);
    // Never fewer voters than the map's three: the promotion came before the removal.
    expect(seenVoters).toEqual([
      [1, 2, 3, 4],
      [1, 2, 4],
    ]);
    // The group keeps taking writes with node 3 gone for good, and node 4 has them.
    await sim.proposeAndWait(1, [put('after', 'x', 100)]);
    await sim.runFor(500);
    expect(sim.rows(4, 1)).toEqual(sim.rows(1, 1));
    expect(sim.rows(4, 1).length).toBe(21);
  }, 60_000);

  it('replaces a dead logger: the new one joins as a logger and takes over the vote', async () => {
    const sim = new SimCluster({
      seed: 72,
      nodeIds: [1, 2, 3, 4],
      nodeOptions: { snapshotEveryEntries: 8 },
    });
    sim.createGroup({
      groupId: 1,
      spaceId: 1,
      members: [
        { nodeId: 1, role: 'voter' },
        { nodeId: 2, role: 'voter' },
        { nodeId: 3, role: 'logger' },
      ],
      rankingNode: 1,
    });
    for (let i = 1; i <= 20; i++) await sim.proposeAndWait(1, [put(`k${i}`, `v${i}`, i)]);
    sim.crash(3);
    const syncs = new Map([1, 2, 4].map((id) => [id, new MembershipSync(sim.node(id))]));
    const loggers = (members: [NodeId, MemberRole][]): Placement => ({
      representations: [
        {
          id: 1,
          name: 't',
          replication: { replicas: 2, loggers: 1, learners: 0 },
          slices: [slice(members, 1)],
        },
      ],
    });
    const adding = loggers([
      [1, 'replica'],
      [2, 'replica'],
      [3, 'logger'],
      [4, 'logger'],
    ]);
    const replaced = loggers([
      [1, 'replica'],
      [2, 'replica'],
      [4, 'logger'],
    ]);
    const conf = () => sim.node(1).replica(1)?.raftStatus().confState;
    for (let i = 0; i < 100 && conf()?.loggers.join() !== '3,4'; i++) {
      for (const sync of syncs.values()) sync.sync(adding);
      await sim.runFor(100);
    }
    expect(sim.node(4).replica(1)?.isDataMember).toBe(false);
    expect(conf()?.loggers).toEqual([3, 4]);
    for (let i = 0; i < 100 && conf()?.loggers.join() !== '4'; i++) {
      for (const sync of syncs.values()) sync.sync(replaced);
      await sim.runFor(100);
    }
    expect(conf()).toMatchObject({ voters: [1, 2], loggers: [4] });
    // With node 3 gone for good, a majority needs the new logger (or both data replicas):
    // crash node 2 and the group still commits, on 1 and 4.
    await sim.runFor(500);
    sim.crash(2);
    await sim.proposeAndWait(1, [put('after', 'x', 100)], 20_000);
    expect(sim.rows(1, 1).length).toBe(21);
  }, 60_000);
});
