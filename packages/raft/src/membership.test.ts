import { describe, expect, it } from 'vitest';
import type { ProposalDropped } from './errors';
import { MemoryRaftStorage } from './memory-storage';
import { Membership } from './membership';
import { bytes, TestCluster, voters } from './test/cluster';

const dropped = (reason: ProposalDropped['reason']) =>
  expect.objectContaining({ name: 'ProposalDropped', reason }) as ProposalDropped;

/** Takes a snapshot on the leader so that a joiner can start from it. */
function snapshotLeader(c: TestCluster, id: number): void {
  const m = c.member(id);
  const applied = m.node.status().applied;
  m.storage.createSnapshot(applied, m.node.confState(), bytes(`state@${applied}`));
}

function joinWithEmptyStorage(c: TestCluster, id: number): void {
  c.add(id, new MemoryRaftStorage());
}

function settle(c: TestCluster, leader: number, rounds = 5): void {
  for (let i = 0; i < rounds; i++) {
    c.tick(leader);
    c.stabilize();
  }
}

describe('membership changes (single-server, applied when committed entries are applied)', () => {
  it('adds a learner that catches up through a snapshot, then promotes it to voter', () => {
    const c = new TestCluster(voters(1, 2, 3));
    c.elect(1);
    c.node(1).propose(bytes('a'));
    c.stabilize();
    snapshotLeader(c, 1);
    c.node(1).proposeConfChange({ type: 'addLearner', nodeId: 4 });
    c.stabilize();
    expect(c.node(1).confState()).toEqual({ voters: [1, 2, 3], loggers: [], learners: [4] });
    joinWithEmptyStorage(c, 4);
    settle(c, 1);
    expect(c.member(4).storage.snapshot().metadata.index).toBeGreaterThan(0);
    expect(c.node(4).confState()).toEqual(c.node(1).confState());
    expect(c.node(4).status().commit).toBe(c.node(1).status().commit);

    // A learner does not count: with two voters cut off, nothing commits.
    c.isolate(2);
    c.isolate(3);
    c.cut.delete('1->4');
    c.cut.delete('4->1');
    const { index } = c.node(1).propose(bytes('b'));
    c.stabilize();
    expect(c.node(1).status().commit).toBeLessThan(index);
    c.heal();
    settle(c, 1);
    expect(c.node(1).status().commit).toBeGreaterThanOrEqual(index);

    c.node(1).proposeConfChange({ type: 'addVoter', nodeId: 4 });
    c.stabilize();
    expect(c.node(4).confState().voters).toEqual([1, 2, 3, 4]);
    c.node(1).transferLeadership(4);
    c.stabilize();
    expect(c.leaders()).toEqual([4]);
  });

  it('removes a voter, after which the smaller quorum commits', () => {
    const c = new TestCluster(voters(1, 2, 3, 4));
    c.elect(1);
    c.node(1).proposeConfChange({ type: 'removeNode', nodeId: 4 });
    c.stabilize();
    expect(c.node(1).confState().voters).toEqual([1, 2, 3]);
    c.isolate(3);
    c.isolate(4);
    const { index } = c.node(1).propose(bytes('x'));
    c.stabilize();
    expect(c.node(1).status().commit).toBe(index);
  });

  it('makes a removed leader step down so that the rest elect a new one', () => {
    const c = new TestCluster(voters(1, 2, 3));
    c.elect(1);
    c.node(1).proposeConfChange({ type: 'removeNode', nodeId: 1 });
    c.stabilize();
    expect(c.node(1).status().role).toBe('follower');
    c.members.delete(1);
    for (let i = 0; i < 40 && c.leaders().length === 0; i++) {
      c.tickAll();
      c.stabilize();
    }
    expect(c.leaders()).toHaveLength(1);
    expect(c.node(2).confState().voters).toEqual([2, 3]);
  });

  it('adds a logger that votes and counts in the quorum', () => {
    const c = new TestCluster(voters(1, 2));
    c.elect(1);
    snapshotLeader(c, 1);
    c.node(1).proposeConfChange({ type: 'addLogger', nodeId: 3 });
    c.stabilize();
    joinWithEmptyStorage(c, 3);
    settle(c, 1);
    expect(c.node(3).confState().loggers).toEqual([3]);
    c.isolate(2);
    c.cut.delete('1->3');
    c.cut.delete('3->1');
    const { index } = c.node(1).propose(bytes('x'));
    c.stabilize();
    expect(c.node(1).status().commit).toBe(index);
  });

  it('allows one pending change at a time and refuses invalid ones', () => {
    const c = new TestCluster({ voters: [1, 2, 3], loggers: [4], learners: [] });
    c.elect(1);
    c.node(1).proposeConfChange({ type: 'addLearner', nodeId: 5 });
    expect(() => c.node(1).proposeConfChange({ type: 'addLearner', nodeId: 6 })).toThrow(
      dropped('confChangePending'),
    );
    c.stabilize();
    expect(() => c.node(1).proposeConfChange({ type: 'addVoter', nodeId: 4 })).toThrow(
      dropped('invalidConfChange'),
    );
    expect(() => c.node(1).proposeConfChange({ type: 'addLearner', nodeId: 6 })).not.toThrow();
  });
});

describe('Membership', () => {
  const m = Membership.fromConfState({ voters: [1, 2], loggers: [3], learners: [4] });

  it('counts voters and loggers, never learners, toward a majority', () => {
    const match = new Map([
      [1, 10],
      [2, 5],
      [3, 8],
      [4, 100],
    ]);
    expect(m.committedIndex((id) => match.get(id) ?? 0)).toBe(8);
  });

  it('decides elections over the quorum set', () => {
    expect(m.voteResult(new Map([[1, true]]))).toBe('pending');
    expect(
      m.voteResult(
        new Map([
          [1, true],
          [3, true],
        ]),
      ),
    ).toBe('won');
    expect(
      m.voteResult(
        new Map([
          [1, true],
          [2, false],
          [3, false],
        ]),
      ),
    ).toBe('lost');
    expect(
      m.voteResult(
        new Map([
          [1, true],
          [4, true],
        ]),
      ),
    ).toBe('pending');
  });

  it('refuses to remove the last data voter', () => {
    const single = Membership.fromConfState({ voters: [1], loggers: [2], learners: [] });
    expect(single.apply({ type: 'removeNode', nodeId: 1 })).toMatch(/at least one data voter/);
  });
});
