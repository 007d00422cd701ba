import { describe, expect, it } from 'vitest';
import { RaftInvariantError } from './errors';
import { Inflights } from './inflights';
import { MemoryRaftStorage } from './memory-storage';
import { RaftLog } from './raft-log';
import type { Entry } from './types';

function entry(index: number, term: number): Entry {
  return { index, term, type: 'normal', data: new Uint8Array() };
}

function logWith(durable: Entry[], unstable: Entry[] = []): RaftLog {
  const storage = new MemoryRaftStorage();
  storage.append(durable);
  const log = new RaftLog(storage);
  log.append(unstable);
  return log;
}

describe('RaftLog', () => {
  it('reads across durable storage and the unstable tail', () => {
    const log = logWith([entry(1, 1), entry(2, 1)], [entry(3, 2)]);
    expect([log.firstIndex(), log.lastIndex(), log.lastTerm(), log.persistedIndex()]).toEqual([
      1, 3, 2, 2,
    ]);
    expect(log.slice(1, 4, Infinity).map((e) => e.index)).toEqual([1, 2, 3]);
  });

  it('accepts a matching append, truncating a conflicting uncommitted tail', () => {
    const log = logWith([entry(1, 1), entry(2, 1), entry(3, 1)]);
    expect(log.maybeAppend(1, 1, 2, [entry(2, 1), entry(3, 2), entry(4, 2)])).toBe(4);
    expect(log.committed).toBe(2);
    expect(log.unstableEntries().map((e) => `${e.index}@${e.term}`)).toEqual(['3@2', '4@2']);
    expect(log.maybeAppend(4, 3, 4, [])).toBeUndefined();
  });

  it('refuses to truncate committed entries', () => {
    const log = logWith([entry(1, 1), entry(2, 1)]);
    log.commitTo(2);
    expect(() => log.maybeAppend(0, 0, 2, [entry(1, 1), entry(2, 9)])).toThrow(RaftInvariantError);
  });

  it('gives a fast-backtracking hint that skips a whole conflicting term', () => {
    const log = logWith([entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2), entry(5, 2)]);
    expect(log.findConflictByTerm(5, 1)).toEqual({ index: 2, term: 1 });
    expect(log.findConflictByTerm(5, 3)).toEqual({ index: 5, term: 2 });
  });

  it('applies only committed entries that are durable here', () => {
    const storage = new MemoryRaftStorage();
    storage.append([entry(1, 1)]);
    const log = new RaftLog(storage);
    log.append([entry(2, 1)]);
    log.commitTo(2);
    expect(log.nextCommittedEntries(Infinity).map((e) => e.index)).toEqual([1]);
    storage.append([entry(2, 1)]);
    expect(log.stableTo(2, 1)).toBe(true);
    expect(log.nextCommittedEntries(Infinity).map((e) => e.index)).toEqual([1, 2]);
  });

  it('ignores a persistence report for entries replaced meanwhile', () => {
    const storage = new MemoryRaftStorage();
    const log = new RaftLog(storage);
    log.append([entry(1, 1), entry(2, 1)]);
    storage.append([entry(1, 1), entry(2, 1)]);
    log.append([entry(2, 2)]);
    expect(log.stableTo(2, 1)).toBe(false);
    expect(log.persistedIndex()).toBe(0);
    storage.append([entry(1, 1), entry(2, 2)]);
    expect(log.stableTo(2, 2)).toBe(true);
    expect(log.persistedIndex()).toBe(2);
  });

  it('catches an application that reports entries persisted without writing them', () => {
    const log = logWith([], [entry(1, 1)]);
    expect(() => log.stableTo(1, 1)).toThrow(RaftInvariantError);
  });

  it('only commits entries of the given term (Raft §5.4.2)', () => {
    const log = logWith([entry(1, 1), entry(2, 2)]);
    expect(log.maybeCommit(1, 2)).toBe(false);
    expect(log.maybeCommit(2, 2)).toBe(true);
    expect(log.committed).toBe(2);
  });
});

describe('Inflights', () => {
  it('is full at its count or byte limit and frees acknowledged messages', () => {
    const window = new Inflights(3, 100);
    window.add(5, 10);
    window.add(7, 10);
    expect(window.full()).toBe(false);
    window.add(9, 90);
    expect(window.full()).toBe(true);
    window.freeLE(7);
    expect([window.count(), window.bytes(), window.full()]).toEqual([1, 90, false]);
    expect(() => {
      window.add(8, 1);
    }).toThrow(RaftInvariantError);
  });
});
