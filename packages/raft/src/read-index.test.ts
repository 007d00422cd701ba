import { describe, expect, it } from 'vitest';
import type { ProposalDropped } from './errors';
import { MemoryRaftStorage } from './memory-storage';
import { RawNode } from './raw-node';
import type { ReadState } from './read-index';
import { bytes, persist, TestCluster, voters } from './test/cluster';
import { seededRng } from './test/rng';

/** Runs the cluster like TestCluster.stabilize, collecting every ReadState of `id`. */
function collectReads(c: TestCluster, id: number, rounds = 20): ReadState[] {
  const out: ReadState[] = [];
  for (let i = 0; i < rounds; i++) {
    for (const m of c.members.keys()) {
      const rd = c.processReady(m);
      if (m === id && rd !== undefined) out.push(...rd.readStates);
    }
    c.deliver();
  }
  return out;
}

describe('ReadIndex', () => {
  it('answers once a quorum confirms leadership, at the commit index of the request', () => {
    const c = new TestCluster(voters(1, 2, 3));
    c.elect(1);
    c.node(1).propose(bytes('a'));
    c.stabilize();
    const commit = c.node(1).status().commit;
    c.node(1).readIndex(7);
    expect(c.node(1).status().pendingReads).toBe(1);
    expect(collectReads(c, 1)).toEqual([{ index: commit, requestId: 7 }]);
    expect(c.node(1).status().pendingReads).toBe(0);
  });

  it('answers at once on a single-member group', () => {
    const storage = new MemoryRaftStorage(voters(1));
    const node = new RawNode({ id: 1, storage, rng: seededRng(1) });
    node.campaign();
    const rd = node.ready();
    persist(storage, rd);
    node.advance(rd);
    node.readIndex(1);
    expect(node.ready().readStates).toEqual([{ index: 1, requestId: 1 }]);
  });

  it('never answers on a leader cut off from the majority', () => {
    const c = new TestCluster(voters(1, 2, 3));
    c.elect(1);
    c.isolate(1);
    c.node(1).readIndex(1);
    c.tick(1, 3);
    expect(collectReads(c, 1)).toEqual([]);
  });

  it('waits for the first commit of a new leader, whose commit index may be stale', () => {
    const c = new TestCluster(voters(1, 2, 3));
    c.node(1).campaign();
    // Elected (votes delivered) but the empty entry of its term is not committed yet.
    for (let i = 0; i < 10 && c.node(1).status().role !== 'leader'; i++) {
      for (const id of [1, 2, 3]) c.processReady(id);
      c.deliver((m) => m.type !== 'appendResponse');
    }
    expect(c.node(1).status()).toMatchObject({ role: 'leader', commit: 0 });
    c.node(1).readIndex(5);
    expect(c.node(1).status().pendingReads).toBe(1);
    const reads = collectReads(c, 1);
    expect(reads).toEqual([{ index: c.node(1).status().commit, requestId: 5 }]);
    expect(reads[0]?.index).toBeGreaterThan(0);
  });

  it('is refused off the leader and above its queue bound', () => {
    const c = new TestCluster(voters(1, 2, 3), { maxPendingReads: 2 });
    c.elect(1);
    expect(() => {
      c.node(2).readIndex(1);
    }).toThrow(expect.objectContaining({ reason: 'notLeader' }) as ProposalDropped);
    c.node(1).readIndex(1);
    c.node(1).readIndex(2);
    expect(() => {
      c.node(1).readIndex(3);
    }).toThrow(expect.objectContaining({ reason: 'readLimit' }) as ProposalDropped);
  });
});
