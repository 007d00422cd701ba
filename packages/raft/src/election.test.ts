import { describe, expect, it } from 'vitest';
import type { ProposalDropped } from './errors';
import { MemoryRaftStorage } from './memory-storage';
import { RawNode } from './raw-node';
import { bytes, TestCluster, voters } from './test/cluster';
import { seededRng } from './test/rng';

describe('leader election', () => {
  it('elects a single node after it persists its own vote and entry', () => {
    const storage = new MemoryRaftStorage(voters(1));
    const node = new RawNode({ id: 1, storage, rng: seededRng(1) });
    node.campaign();
    expect(node.status().role).toBe('leader');
    const rd = node.ready();
    expect(rd.hardState).toMatchObject({ term: 1, vote: 1, commit: 0 });
    expect(rd.entries).toHaveLength(1);
    expect(rd.mustSync).toBe(true);
  });

  it('elects the campaigning node in a 3-node group and informs the others', () => {
    const c = new TestCluster(voters(1, 2, 3));
    c.elect(1);
    expect(c.leaders()).toEqual([1]);
    for (const id of [2, 3]) {
      expect(c.node(id).status()).toMatchObject({ role: 'follower', leader: 1, term: 1 });
    }
  });

  it('elects exactly one leader by timeouts alone', () => {
    const c = new TestCluster(voters(1, 2, 3, 4, 5));
    for (let i = 0; i < 50 && c.leaders().length === 0; i++) {
      c.tickAll();
      c.stabilize();
    }
    expect(c.leaders()).toHaveLength(1);
  });

  it('does not let a candidate with a stale log win', () => {
    const c = new TestCluster(voters(1, 2, 3));
    c.elect(1);
    c.isolate(3);
    c.node(1).propose(bytes('x'));
    c.stabilize();
    c.heal();
    c.node(3).campaign();
    c.stabilize();
    expect(c.node(3).status().role).not.toBe('leader');
  });

  it('keeps the vote when the follower restarts from its persisted state', () => {
    const c = new TestCluster(voters(1, 2, 3), { preVote: false });
    c.node(1).campaign();
    c.stabilize();
    const storage = c.member(2).storage;
    expect(storage.initialState().hardState).toMatchObject({ term: 1, vote: 1 });
    const restarted = new RawNode({ id: 2, storage, rng: seededRng(9) });
    expect(restarted.status()).toMatchObject({ term: 1, vote: 1 });
  });
});

describe('pre-vote', () => {
  it('keeps a partitioned node from disrupting the leader when it rejoins', () => {
    const c = new TestCluster(voters(1, 2, 3));
    c.elect(1);
    const term = c.node(1).status().term;
    c.isolate(3);
    for (let i = 0; i < 100; i++) {
      c.tickAll();
      c.stabilize();
    }
    // Its pre-votes failed, so it never raised its term.
    expect(c.node(3).status().term).toBe(term);
    c.heal();
    c.tickAll();
    c.stabilize();
    expect(c.leaders()).toEqual([1]);
    expect(c.node(1).status().term).toBe(term);
    expect(c.node(3).status().leader).toBe(1);
  });

  it('is what prevents the disruption: without it the rejoining node deposes the leader', () => {
    const c = new TestCluster(voters(1, 2, 3), { preVote: false, checkQuorum: false });
    c.elect(1);
    const term = c.node(1).status().term;
    c.isolate(3);
    for (let i = 0; i < 30; i++) {
      c.tickAll();
      c.stabilize();
    }
    expect(c.node(3).status().term).toBeGreaterThan(term);
    c.heal();
    for (let i = 0; i < 30; i++) {
      c.tickAll();
      c.stabilize();
    }
    expect(c.node(1).status().term).toBeGreaterThan(term);
  });
});

describe('check-quorum', () => {
  it('makes an isolated leader step down within two election timeouts', () => {
    const c = new TestCluster(voters(1, 2, 3));
    c.elect(1);
    c.isolate(1);
    // The first check may still count contacts from before the partition.
    for (let i = 0; i < 10; i++) c.tick(1);
    for (let i = 0; i < 10; i++) {
      c.tick(1);
      c.processReady(1);
      c.deliver();
    }
    expect(c.node(1).status()).toMatchObject({ role: 'follower', leader: 0 });
  });

  it('keeps a leader that hears from a majority', () => {
    const c = new TestCluster(voters(1, 2, 3));
    c.elect(1);
    c.isolate(3);
    for (let i = 0; i < 30; i++) {
      c.tick(1);
      c.stabilize();
    }
    expect(c.node(1).status().role).toBe('leader');
  });

  it('without check-quorum an isolated leader stays leader', () => {
    const c = new TestCluster(voters(1, 2, 3), { checkQuorum: false });
    c.elect(1);
    c.isolate(1);
    for (let i = 0; i < 30; i++) {
      c.tick(1);
      c.stabilize();
    }
    expect(c.node(1).status().role).toBe('leader');
  });
});

describe('loggers', () => {
  const conf = { voters: [1, 2], loggers: [3], learners: [] };

  it('wait twice the election timeout before campaigning (data voters win first)', () => {
    const c = new TestCluster(conf);
    // electionTicks (10) + jitter < 20 ticks: never enough for a logger.
    for (let i = 0; i < 19; i++) c.tick(3);
    expect(c.node(3).status().role).toBe('follower');
    expect(c.queue).toHaveLength(0);
  });

  it('lead only as an interim: ship the entries only they hold, then hand over to a data voter', () => {
    const c = new TestCluster(conf);
    c.elect(1);
    // Entries committed by voter 1 and the logger while voter 2 is cut off.
    c.isolate(2);
    c.node(1).propose(bytes('a'));
    c.node(1).propose(bytes('b'));
    c.stabilize();
    expect(c.appliedData(1)).toEqual(['a', 'b']);
    expect(c.appliedData(2)).toEqual([]);
    // Voter 1 is lost for good (its disk is gone); voter 2 lacks the entries, so the logger's
    // vote goes to nobody but itself: only the logger can lead, and only to hand over.
    c.heal();
    c.isolate(1);
    for (let i = 0; i < 200 && c.leaders().filter((l) => l !== 1).length === 0; i++) {
      c.tick(2);
      c.tick(3);
      c.stabilize();
    }
    let leader = c.leaders().find((l) => l !== 1);
    if (leader === 3) {
      expect(() => c.node(3).propose(bytes('x'))).toThrow(
        expect.objectContaining({ reason: 'leadershipTransfer' }) as ProposalDropped,
      );
    }
    for (let i = 0; i < 200 && leader !== 2; i++) {
      c.tick(2);
      c.tick(3);
      c.stabilize();
      leader = c.leaders().find((l) => l !== 1);
    }
    expect(leader).toBe(2);
    expect(c.appliedData(2)).toEqual(['a', 'b']);
    c.node(2).propose(bytes('c'));
    c.stabilize();
    expect(c.appliedData(2)).toEqual(['a', 'b', 'c']);
  });

  it('vote, and count toward the commit quorum', () => {
    const c = new TestCluster(conf);
    c.isolate(2);
    c.elect(1); // with the logger's vote only
    c.node(1).propose(bytes('a'));
    c.stabilize();
    expect(c.appliedData(1)).toEqual(['a']);
    expect(c.node(3).status().commit).toBe(c.node(1).status().commit);
  });

  it('cannot be made leader by a transfer', () => {
    const c = new TestCluster(conf);
    c.elect(1);
    c.node(1).transferLeadership(3);
    c.stabilize();
    expect(c.leaders()).toEqual([1]);
    expect(c.node(1).status().leadTransferee).toBe(0);
  });
});

describe('leadership transfer', () => {
  it('hands leadership to an up-to-date voter via TimeoutNow', () => {
    const c = new TestCluster(voters(1, 2, 3));
    c.elect(1);
    c.node(1).propose(bytes('a'));
    c.stabilize();
    c.node(1).transferLeadership(2);
    c.stabilize();
    expect(c.leaders()).toEqual([2]);
    expect(c.node(1).status().leader).toBe(2);
  });

  it('catches a lagging transferee up first, and drops proposals meanwhile', () => {
    const c = new TestCluster(voters(1, 2, 3));
    c.elect(1);
    c.isolate(3);
    c.node(1).propose(bytes('a'));
    c.stabilize();
    c.heal();
    c.node(1).transferLeadership(3);
    expect(() => c.node(1).propose(bytes('b'))).toThrow(
      expect.objectContaining({ reason: 'leadershipTransfer' }) as ProposalDropped,
    );
    c.stabilize();
    expect(c.leaders()).toEqual([3]);
    expect(c.appliedData(3)).toEqual(['a']);
  });

  it('is abandoned after an election timeout when the transferee is unreachable', () => {
    const c = new TestCluster(voters(1, 2, 3));
    c.elect(1);
    c.isolate(3);
    c.node(1).transferLeadership(3);
    expect(c.node(1).status().leadTransferee).toBe(3);
    for (let i = 0; i < 10; i++) {
      c.tick(1);
      c.stabilize();
    }
    expect(c.node(1).status()).toMatchObject({ role: 'leader', leadTransferee: 0 });
    expect(() => c.node(1).propose(bytes('b'))).not.toThrow();
  });

  it('is forwarded to the leader when asked of a follower', () => {
    const c = new TestCluster(voters(1, 2, 3));
    c.elect(1);
    c.node(2).transferLeadership(3);
    c.stabilize();
    expect(c.leaders()).toEqual([3]);
  });
});
