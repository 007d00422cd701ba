import { describe, expect, it } from 'vitest';
import type { ProposalDropped } from './errors';
import { MemoryRaftStorage } from './memory-storage';
import type { AppendMessage, AppendResponse, Message } from './message';
import { RawNode } from './raw-node';
import { bytes, persist, TestCluster, text, voters } from './test/cluster';
import { seededRng } from './test/rng';
import type { Entry } from './types';

const dropped = (reason: ProposalDropped['reason']) =>
  expect.objectContaining({ name: 'ProposalDropped', reason }) as ProposalDropped;

describe('log replication', () => {
  it('replicates and applies proposals on every member in order', () => {
    const c = new TestCluster(voters(1, 2, 3));
    c.elect(1);
    for (const s of ['a', 'b', 'c']) c.node(1).propose(bytes(s));
    c.stabilize();
    for (const id of [1, 2, 3]) expect(c.appliedData(id)).toEqual(['a', 'b', 'c']);
    const lastIndex = c.node(1).status().lastIndex;
    for (const id of [1, 2, 3]) expect(c.member(id).storage.lastIndex()).toBe(lastIndex);
  });

  it('batches proposals made between Readies into one append per follower', () => {
    const c = new TestCluster(voters(1, 2, 3));
    c.elect(1);
    for (let i = 0; i < 10; i++) c.node(1).propose(bytes(`p${i}`));
    const rd = c.node(1).ready();
    const appends = rd.messages.filter((m): m is AppendMessage => m.type === 'append');
    expect(appends.map((m) => [m.to, m.entries.length])).toEqual([
      [2, 10],
      [3, 10],
    ]);
  });

  it('bounds append size and the number of appends in flight', () => {
    const c = new TestCluster(voters(1, 2), { maxSizePerMsgBytes: 120, maxInflightMsgs: 2 });
    c.elect(1);
    for (let i = 0; i < 20; i++) c.node(1).propose(new Uint8Array(40));
    const rd = c.node(1).ready();
    const appends = rd.messages.filter((m): m is AppendMessage => m.type === 'append');
    // 40 bytes of data + 16 of overhead each: two per message, two messages in flight.
    expect(appends.map((m) => m.entries.length)).toEqual([2, 2]);
    expect(c.node(1).status().progress?.get(2)).toMatchObject({ state: 'replicate' });
    c.member(1).storage.append(rd.entries);
    c.node(1).advance(rd);
    c.queue.push(...rd.messages);
    c.stabilize();
    expect(c.node(2).status().commit).toBe(c.node(1).status().lastIndex);
  });

  it('reports per-follower progress for monitoring', () => {
    const c = new TestCluster({ voters: [1, 2], loggers: [3], learners: [4] });
    c.elect(1);
    c.node(1).propose(bytes('a'));
    c.stabilize();
    const status = c.node(1).status();
    expect(status).toMatchObject({ role: 'leader', leader: 1, commit: 2, applied: 2 });
    expect([...(status.progress?.entries() ?? [])]).toEqual([
      [1, expect.objectContaining({ role: 'voter', match: 2, state: 'replicate' })],
      [2, expect.objectContaining({ role: 'voter', match: 2, next: 3, recentActive: true })],
      [3, expect.objectContaining({ role: 'logger', match: 2 })],
      [4, expect.objectContaining({ role: 'learner', match: 2, inflightMsgs: 0 })],
    ]);
    expect(c.node(2).status().progress).toBeUndefined();
  });
});

describe('commit needs a persisted majority (durability contract)', () => {
  it('a single-node leader commits only after it persisted the entry', () => {
    const storage = new MemoryRaftStorage(voters(1));
    const node = new RawNode({ id: 1, storage, rng: seededRng(1) });
    node.campaign();
    let rd = node.ready();
    expect(node.status().commit).toBe(0);
    persist(storage, rd);
    node.advance(rd);
    expect(node.status().commit).toBe(1);
    rd = node.ready();
    persist(storage, rd);
    node.advance(rd);
    const { index } = node.propose(bytes('x'));
    rd = node.ready();
    expect(rd.entries.map((e) => e.index)).toEqual([index]);
    expect(node.status().commit).toBe(index - 1);
    persist(storage, rd);
    node.advance(rd);
    expect(node.status().commit).toBe(index);
    rd = node.ready();
    expect(rd.committedEntries.map((e) => text(e.data))).toEqual(['x']);
  });

  it('3 nodes: leader persisted alone does not commit; leader + one follower does', () => {
    const c = new TestCluster(voters(1, 2, 3));
    c.elect(1);
    const { index } = c.node(1).propose(bytes('x'));
    c.processReady(1); // leader persists and sends its appends
    expect(c.node(1).status().commit).toBe(index - 1);
    c.deliver((m) => m.to === 2); // only follower 2 receives, persists, acknowledges
    c.processReady(2);
    c.deliver((m) => m.to === 1);
    expect(c.node(1).status().commit).toBe(index);
  });

  it('3 nodes: a follower ack without the leader persisting does not commit', () => {
    const c = new TestCluster(voters(1, 2, 3));
    c.elect(1);
    const { index } = c.node(1).propose(bytes('x'));
    const rd = c.node(1).ready();
    // The leader may send appends before its own write finishes (Ready docs)…
    c.queue.push(...rd.messages);
    c.deliver((m) => m.to === 2);
    c.processReady(2);
    c.deliver((m) => m.to === 1);
    // …but its own copy does not count yet: only follower 2 has persisted.
    expect(c.node(1).status().commit).toBe(index - 1);
    persist(c.member(1).storage, rd);
    c.node(1).advance(rd);
    expect(c.node(1).status().commit).toBe(index);
  });

  it('the planted bug (count the leader before persist) commits too early', () => {
    const c = new TestCluster(voters(1, 2, 3), {
      testingKnobs: { countLeaderBeforePersist: true },
    });
    c.elect(1);
    const { index } = c.node(1).propose(bytes('x'));
    const rd = c.node(1).ready();
    c.queue.push(...rd.messages);
    c.deliver((m) => m.to === 2);
    c.processReady(2);
    c.deliver((m) => m.to === 1);
    expect(c.node(1).status().commit).toBe(index);
  });
});

describe('conflicts and backtracking', () => {
  function entries(from: number, to: number, term: number): Entry[] {
    const out: Entry[] = [];
    for (let i = from; i <= to; i++)
      out.push({ index: i, term, type: 'normal', data: bytes(`${term}/${i}`) });
    return out;
  }

  it('overwrites a divergent uncommitted tail in few round trips (fast backtracking)', () => {
    const conf = voters(1, 2, 3);
    const logs: Record<number, Entry[]> = {
      1: [...entries(1, 10, 1), ...entries(11, 20, 3)],
      2: [...entries(1, 10, 1), ...entries(11, 60, 2)],
      3: [...entries(1, 10, 1), ...entries(11, 20, 3)],
    };
    const c = new TestCluster(conf);
    for (const id of [1, 2, 3]) {
      const storage = new MemoryRaftStorage(conf);
      storage.append(logs[id] ?? []);
      storage.setHardState({ term: 3, vote: 0, commit: 10 });
      c.add(id, storage);
    }
    c.node(1).campaign();
    const rejections: AppendResponse[] = [];
    const watch = (m: Message) => {
      if (m.type === 'appendResponse' && m.reject) rejections.push(m);
      return true;
    };
    for (let i = 0; i < 50; i++) {
      for (const id of [1, 2, 3]) c.processReady(id);
      c.deliver(watch);
    }
    expect(c.leaders()).toEqual([1]);
    const leaderLog = c.member(1).storage.entries(1, 22, Infinity);
    expect(c.member(2).storage.entries(1, 22, Infinity)).toEqual(leaderLog);
    expect(c.member(2).storage.lastIndex()).toBe(21);
    // Naive decrement would take ~40 rejections; the term hint skips term 2 at once.
    expect(rejections.length).toBeLessThanOrEqual(2);
  });

  it('never overwrites a committed entry (log matching is checked)', () => {
    const c = new TestCluster(voters(1, 2, 3));
    c.elect(1);
    c.node(1).propose(bytes('a'));
    c.stabilize();
    const bogus: AppendMessage = {
      type: 'append',
      from: 1,
      to: 2,
      term: c.node(1).status().term,
      index: 2,
      logTerm: 99,
      entries: [{ index: 3, term: 99, type: 'normal', data: bytes('evil') }],
      commit: 2,
    };
    c.node(2).step(bogus);
    const rd = c.node(2).ready();
    expect(rd.entries).toEqual([]);
    expect(rd.messages).toEqual([
      expect.objectContaining({ type: 'appendResponse', reject: true }),
    ]);
  });
});

describe('snapshots', () => {
  it('catches up a lagging follower whose entries were compacted', () => {
    const c = new TestCluster(voters(1, 2, 3));
    c.elect(1);
    c.isolate(3);
    for (let i = 0; i < 20; i++) c.node(1).propose(bytes(`e${i}`));
    c.stabilize();
    const leader = c.member(1);
    const applied = leader.node.status().applied;
    leader.storage.createSnapshot(applied, leader.node.confState(), bytes(`state@${applied}`));
    leader.storage.compact(applied);
    c.node(1).propose(bytes('after'));
    c.stabilize();
    c.heal();
    const seen: string[] = [];
    c.tick(1);
    for (let i = 0; i < 20; i++) {
      for (const id of [1, 2, 3]) c.processReady(id);
      c.deliver((m) => (seen.push(m.type), true));
    }
    expect(seen).toContain('snapshot');
    const follower = c.member(3);
    expect(follower.storage.snapshot().metadata.index).toBe(applied);
    expect(text(follower.storage.snapshot().data)).toBe(`state@${applied}`);
    expect(follower.node.status().commit).toBe(leader.node.status().commit);
    expect(c.appliedData(3)).toEqual(['after']);
    expect(leader.node.status().progress?.get(3)).toMatchObject({ state: 'replicate' });
  });

  it('retries a snapshot whose delivery failed', () => {
    const c = new TestCluster(voters(1, 2));
    c.elect(1);
    c.isolate(2);
    c.node(1).propose(bytes('a'));
    c.processReady(1);
    c.stabilize();
    // Commit needs 2 of 2: the entry is uncommitted, so compact what is committed.
    const leader = c.member(1);
    const applied = leader.node.status().applied;
    leader.storage.createSnapshot(applied, leader.node.confState(), bytes('s'));
    leader.storage.compact(applied);
    c.heal();
    c.tick(1);
    c.stabilize();
    expect(c.node(2).status().commit).toBe(c.node(1).status().commit);
    expect(c.node(2).status().lastIndex).toBe(c.node(1).status().lastIndex);
  });
});

describe('proposal drop', () => {
  it('is the answer on a follower (with the leader as hint) and with no leader', () => {
    const c = new TestCluster(voters(1, 2, 3));
    expect(() => c.node(1).propose(bytes('x'))).toThrow(dropped('notLeader'));
    c.elect(1);
    expect(() => c.node(2).propose(bytes('x'))).toThrow(
      expect.objectContaining({ reason: 'notLeader', leaderHint: 1 }) as ProposalDropped,
    );
  });

  it('is the answer above the uncommitted bytes limit, until the backlog commits', () => {
    const c = new TestCluster(voters(1, 2, 3), { maxUncommittedEntriesBytes: 100 });
    c.elect(1);
    c.isolate(1);
    c.node(1).propose(new Uint8Array(60));
    expect(() => c.node(1).propose(new Uint8Array(60))).toThrow(dropped('uncommittedLimit'));
    c.heal();
    c.tick(1);
    c.stabilize();
    expect(() => c.node(1).propose(new Uint8Array(60))).not.toThrow();
  });
});
