import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { engineKinds } from '../../test/engines';
import type { EngineUnderTest } from '../../test/engines';
import type { KvEngine } from '../engine/kv-engine';
import { StorageInvariantError } from '../errors';
import { RaftLogStore } from './raft-log-store';
import type { RaftEntry } from './raft-records';

const g = 3;

function entries(from: number, to: number, term: number): RaftEntry[] {
  return Array.from({ length: to - from + 1 }, (_, i) => ({
    index: from + i,
    term,
    type: 0,
    data: Uint8Array.of(from + i, term),
  }));
}

describe.each(engineKinds)('RaftLogStore on $name', (kind) => {
  let under: EngineUnderTest;
  let engine: KvEngine;
  let log: RaftLogStore;

  beforeEach(() => {
    under = kind.create();
    engine = under.engine;
    log = new RaftLogStore(engine);
  });
  afterEach(async () => {
    await under.dispose();
  });

  async function inBatch(fn: (batch: ReturnType<KvEngine['newBatch']>) => void): Promise<void> {
    const batch = engine.newBatch();
    fn(batch);
    await engine.commit(batch);
  }

  const indexes = (lo: number, hi: number): number[] => {
    const r = log.entries(g, lo, hi);
    return r.kind === 'ok' ? r.entries.map((e) => e.index) : [];
  };

  it('starts empty', () => {
    expect(log.firstIndex(g)).toBe(1);
    expect(log.lastIndex(g)).toBe(0);
    expect(log.lastTerm(g)).toBe(0);
    expect(log.hardState(g)).toEqual({ term: 0, vote: 0, commit: 0 });
    expect(log.entries(g, 1, 1)).toEqual({ kind: 'ok', entries: [] });
    expect(log.groups()).toEqual([]);
  });

  it('appends and reads a range, with a byte budget', async () => {
    await inBatch((batch) => {
      log.append(batch, g, entries(1, 10, 1));
    });
    expect(log.lastIndex(g)).toBe(10);
    expect(log.lastTerm(g)).toBe(1);
    expect(indexes(3, 7)).toEqual([3, 4, 5, 6]);
    const r = log.entries(g, 1, 11);
    expect(r.kind === 'ok' ? r.entries[4] : undefined).toEqual({
      index: 5,
      term: 1,
      type: 0,
      data: Uint8Array.of(5, 1),
    });
    const limited = log.entries(g, 1, 11, 5);
    expect(limited.kind === 'ok' ? limited.entries.length : 0).toBe(2);
    const tiny = log.entries(g, 1, 11, 0);
    expect(tiny.kind === 'ok' ? tiny.entries.length : 0).toBe(1);
    expect(log.entries(g, 5, 12)).toEqual({ kind: 'unavailable', lastIndex: 10 });
    expect(log.term(g, 10)).toEqual({ kind: 'ok', term: 1 });
    expect(log.term(g, 11)).toEqual({ kind: 'unavailable', lastIndex: 10 });
  });

  it('replaces a conflicting suffix on append and on truncate', async () => {
    await inBatch((batch) => {
      log.append(batch, g, entries(1, 10, 1));
    });
    await inBatch((batch) => {
      log.append(batch, g, entries(6, 7, 2));
    });
    expect(log.lastIndex(g)).toBe(7);
    expect(log.term(g, 7)).toEqual({ kind: 'ok', term: 2 });
    expect(log.term(g, 5)).toEqual({ kind: 'ok', term: 1 });
    await inBatch((batch) => {
      log.truncateSuffix(batch, g, 6);
    });
    expect(log.lastIndex(g)).toBe(5);
    expect(indexes(1, 6)).toEqual([1, 2, 3, 4, 5]);
  });

  it('compacts a prefix and reports compacted reads', async () => {
    await inBatch((batch) => {
      log.append(batch, g, entries(1, 10, 2));
    });
    await inBatch((batch) => {
      log.compactPrefix(batch, g, 4);
    });
    expect(log.firstIndex(g)).toBe(5);
    expect(log.logStart(g)).toEqual({ index: 4, term: 2 });
    expect(log.entries(g, 4, 6)).toEqual({ kind: 'compacted', firstIndex: 5 });
    expect(log.term(g, 4)).toEqual({ kind: 'ok', term: 2 });
    expect(log.term(g, 3)).toEqual({ kind: 'compacted', firstIndex: 5 });
    expect(indexes(5, 11)).toEqual([5, 6, 7, 8, 9, 10]);
    await inBatch((batch) => {
      log.compactPrefix(batch, g, 10);
    });
    expect(log.lastIndex(g)).toBe(10);
    expect(log.lastTerm(g)).toBe(2);
    await inBatch((batch) => {
      log.append(batch, g, entries(11, 11, 3));
    });
    expect(indexes(11, 12)).toEqual([11]);
  });

  it('persists hard state and conf state, and refuses to move them back', async () => {
    await inBatch((batch) => {
      log.setHardState(batch, g, { term: 2, vote: 1, commit: 0 });
      log.setConfState(batch, g, {
        voters: [1, 2, 3],
        learners: [4],
        votersOutgoing: [],
        learnersNext: [],
        autoLeave: false,
      });
    });
    expect(log.hardState(g)).toEqual({ term: 2, vote: 1, commit: 0 });
    expect(log.confState(g).voters).toEqual([1, 2, 3]);
    const batch = engine.newBatch();
    expect(() => {
      log.setHardState(batch, g, { term: 1, vote: 1, commit: 0 });
    }).toThrow(StorageInvariantError);
    expect(() => {
      log.setHardState(batch, g, { term: 2, vote: 3, commit: 0 });
    }).toThrow(/HARD_STATE_REGRESSED/);
    log.setHardState(batch, g, { term: 3, vote: 3, commit: 0 });
    await engine.commit(batch);
  });

  it('rejects gaps, falling terms and truncation of committed entries', async () => {
    await inBatch((batch) => {
      log.append(batch, g, entries(1, 5, 2));
      log.setHardState(batch, g, { term: 2, vote: 0, commit: 3 });
    });
    const batch = engine.newBatch();
    expect(() => {
      log.append(batch, g, entries(7, 8, 2));
    }).toThrow(/LOG_NOT_CONTIGUOUS/);
    expect(() => {
      log.append(batch, g, entries(6, 6, 1));
    }).toThrow(/LOG_TERM_REGRESSED/);
    expect(() => {
      log.append(batch, g, entries(3, 3, 3));
    }).toThrow(/LOG_NOT_CONTIGUOUS/);
    expect(() => {
      log.truncateSuffix(batch, g, 2);
    }).toThrow(/LOG_NOT_CONTIGUOUS/);
    expect(() => {
      log.compactPrefix(batch, g, 9);
    }).toThrow(/LOG_NOT_CONTIGUOUS/);
  });

  it("persists many groups' Ready in one batch and lists the groups", async () => {
    await inBatch((batch) => {
      for (const group of [5, 1, 0xffffffff]) {
        log.append(batch, group, entries(1, 3, 1));
        log.setHardState(batch, group, { term: 1, vote: group, commit: 2 });
        // Reads through the batch see what it holds already.
        expect(log.lastIndex(group, batch)).toBe(3);
      }
    });
    expect(log.groups()).toEqual([1, 5, 0xffffffff]);
    expect(log.hardState(5)).toEqual({ term: 1, vote: 5, commit: 2 });
    await inBatch((batch) => {
      log.dropGroup(batch, 5);
    });
    expect(log.groups()).toEqual([1, 0xffffffff]);
  });

  it('installs a snapshot: discards the log and restarts it after the snapshot', async () => {
    await inBatch((batch) => {
      log.append(batch, g, entries(1, 5, 1));
    });
    const confState = {
      voters: [1, 2],
      learners: [],
      votersOutgoing: [],
      learnersNext: [],
      autoLeave: false,
    };
    await inBatch((batch) => {
      log.applySnapshot(batch, g, { index: 20, term: 4, confState });
    });
    expect(log.firstIndex(g)).toBe(21);
    expect(log.lastIndex(g)).toBe(20);
    expect(log.lastTerm(g)).toBe(4);
    expect(log.snapshotMeta(g)).toEqual({ index: 20, term: 4, confState });
    expect(log.confState(g)).toEqual(confState);
    expect(log.hardState(g).commit).toBe(20);
    await inBatch((batch) => {
      log.append(batch, g, entries(21, 22, 4));
    });
    expect(indexes(21, 23)).toEqual([21, 22]);
  });
});
