import { describe, expect, it } from 'vitest';
import { RaftInvariantError } from './errors';
import { MemoryRaftStorage } from './memory-storage';
import { voters } from './test/cluster';
import type { Entry } from './types';

function entry(index: number, term: number, size = 0): Entry {
  return { index, term, type: 'normal', data: new Uint8Array(size) };
}

function filled(): MemoryRaftStorage {
  const s = new MemoryRaftStorage(voters(1, 2, 3));
  s.append([entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2), entry(5, 3)]);
  return s;
}

describe('MemoryRaftStorage', () => {
  it('starts empty with the bootstrap membership', () => {
    const s = new MemoryRaftStorage(voters(1, 2));
    expect(s.initialState()).toEqual({
      hardState: { term: 0, vote: 0, commit: 0 },
      confState: voters(1, 2),
      snapshotIndex: 0,
    });
    expect([s.firstIndex(), s.lastIndex(), s.term(0), s.term(1)]).toEqual([1, 0, 0, undefined]);
  });

  it('appends, and replaces a conflicting tail', () => {
    const s = filled();
    s.append([entry(4, 4), entry(5, 4), entry(6, 4)]);
    expect(s.entries(1, 7, Infinity).map((e) => e.term)).toEqual([1, 1, 2, 4, 4, 4]);
    expect(() => {
      s.append([entry(9, 4)]);
    }).toThrow(RaftInvariantError);
  });

  it('limits entries by size but always returns at least one', () => {
    const s = new MemoryRaftStorage();
    s.append([entry(1, 1, 100), entry(2, 1, 100), entry(3, 1, 100)]);
    expect(s.entries(1, 4, 1)).toHaveLength(1);
    expect(s.entries(1, 4, 240)).toHaveLength(2);
    expect(() => s.entries(0, 2, Infinity)).toThrow(RaftInvariantError);
  });

  it('compacts only up to its latest snapshot, keeping the term at the boundary', () => {
    const s = filled();
    expect(() => {
      s.compact(3);
    }).toThrow(RaftInvariantError);
    s.createSnapshot(4, voters(1, 2, 3), new Uint8Array([7]));
    s.compact(3);
    expect([s.firstIndex(), s.lastIndex(), s.term(3), s.term(2)]).toEqual([4, 5, 2, undefined]);
    expect(s.initialState().snapshotIndex).toBe(4);
    expect(s.snapshot().metadata).toEqual({ index: 4, term: 2, confState: voters(1, 2, 3) });
  });

  it('replaces everything with a snapshot from the leader', () => {
    const s = filled();
    s.applySnapshot({
      metadata: { index: 10, term: 5, confState: voters(1, 2) },
      data: new Uint8Array(),
    });
    expect([s.firstIndex(), s.lastIndex(), s.term(10)]).toEqual([11, 10, 5]);
    expect(s.initialState().confState).toEqual(voters(1, 2));
    s.append([entry(11, 5)]);
    expect(s.lastIndex()).toBe(11);
  });
});
