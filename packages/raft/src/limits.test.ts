import { describe, expect, it } from 'vitest';
import { MemoryRaftStorage } from './memory-storage';
import { RawNode } from './raw-node';
import { bytes, persist, TestCluster, voters } from './test/cluster';
import { seededRng } from './test/rng';

describe('bounded queues', () => {
  it('splits committed entries across Readies at maxCommittedBytesPerReady', () => {
    const storage = new MemoryRaftStorage(voters(1));
    const node = new RawNode({
      id: 1,
      storage,
      rng: seededRng(1),
      maxCommittedBytesPerReady: 100,
    });
    node.campaign();
    for (let i = 0; i < 5; i++) node.propose(new Uint8Array(50));
    const sizes: number[] = [];
    for (let i = 0; i < 10 && node.hasReady(); i++) {
      const rd = node.ready();
      persist(storage, rd);
      if (rd.committedEntries.length > 0) sizes.push(rd.committedEntries.length);
      node.advance(rd);
    }
    // The empty entry (16 bytes) and one 66-byte entry fit in 100; then one per Ready.
    expect(sizes).toEqual([2, 1, 1, 1, 1]);
    expect(node.status().applied).toBe(6);
  });

  it('drops and counts outgoing messages beyond maxPendingMessages', () => {
    const c = new TestCluster(voters(1, 2, 3), { maxPendingMessages: 3 });
    c.elect(1);
    for (let i = 0; i < 5; i++) c.tick(1); // 2 heartbeats per tick
    expect(c.node(1).status().droppedMessages).toBe(7);
    expect(c.node(1).ready().messages).toHaveLength(3);
  });
});

describe('transport reports', () => {
  it('stops pipelining to an unreachable follower until it answers a probe', () => {
    const c = new TestCluster(voters(1, 2, 3));
    c.elect(1);
    expect(c.node(1).status().progress?.get(2)?.state).toBe('replicate');
    c.node(1).reportUnreachable(2);
    expect(c.node(1).status().progress?.get(2)?.state).toBe('probe');
    c.node(1).propose(bytes('x'));
    c.stabilize();
    expect(c.node(1).status().progress?.get(2)?.state).toBe('replicate');
  });
});

describe('restart', () => {
  it('keeps what was persisted and loses what was not', () => {
    const storage = new MemoryRaftStorage(voters(1));
    let node = new RawNode({ id: 1, storage, rng: seededRng(1) });
    node.campaign();
    let rd = node.ready();
    persist(storage, rd);
    node.advance(rd);
    node.propose(bytes('durable'));
    rd = node.ready();
    persist(storage, rd);
    node.advance(rd);
    node.propose(bytes('lost'));
    rd = node.ready(); // crash before this write reaches the disk
    expect(rd.entries.map((e) => e.index)).toEqual([3]);

    node = new RawNode({ id: 1, storage, rng: seededRng(2) });
    // The commit of entry 2 was learnt after its write, and was lost with the next one.
    expect(node.status()).toMatchObject({ term: 1, vote: 1, lastIndex: 2, commit: 1 });
    node.campaign();
    const applied: string[] = [];
    while (node.hasReady()) {
      rd = node.ready();
      persist(storage, rd);
      applied.push(...rd.committedEntries.map((e) => new TextDecoder().decode(e.data)));
      node.advance(rd);
    }
    expect(applied).toEqual(['', 'durable', '']);
    expect(node.status()).toMatchObject({ term: 2, role: 'leader', lastIndex: 3, commit: 3 });
    expect(storage.term(3)).toBe(2);
  });
});
