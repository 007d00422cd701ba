import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { b, engineKinds, s } from '../../test/engines';
import type { EngineUnderTest } from '../../test/engines';
import type { KvEngine } from '../engine/kv-engine';
import { StorageInvariantError } from '../errors';
import { MvccStore } from './mvcc-store';
import type { MvccCommand } from './types';

const parent = 3;
const child = 9;
/** The split rule of these tests: keys starting with 'm' or later move. */
const movesKey = (key: Uint8Array) => (key[0] ?? 0) >= 'm'.charCodeAt(0);

describe.each(engineKinds)('MvccStore.splitSpace on $name', (kind) => {
  let under: EngineUnderTest;
  let engine: KvEngine;
  let store: MvccStore;
  let index = 0;

  beforeEach(async () => {
    under = kind.create();
    engine = under.engine;
    store = new MvccStore(engine);
    index = 0;
    const batch = engine.newBatch();
    store.createSpace(batch, parent);
    await engine.commit(batch);
  });
  afterEach(async () => {
    await under.dispose();
  });

  async function apply(commands: MvccCommand[]): Promise<void> {
    const batch = engine.newBatch();
    const r = store.apply(batch, parent, { index: ++index, term: 1, commands });
    expect(r.kind).toBe('applied');
    await engine.commit(batch);
  }

  const prewrite = (key: string, value: string, startTs: number): MvccCommand => ({
    kind: 'prewrite',
    key: b(key),
    startTs,
    primary: b('a'),
    op: 'put',
    value: b(value),
  });

  /** Many keys on both sides, some with several versions, a lock and a rollback marker. */
  async function fill(): Promise<string[]> {
    const keys = Array.from({ length: 1_500 }, (_, i) => `${'aemz'[i % 4] ?? 'a'}${i}`);
    for (let i = 0; i < keys.length; i += 100) {
      const slice = keys.slice(i, i + 100);
      await apply(slice.map((k) => prewrite(k, `v1-${k}`, 10)));
      await apply(slice.map((k) => ({ kind: 'commit', key: b(k), startTs: 10, commitTs: 11 })));
    }
    await apply([prewrite('m0', 'v2-m0', 20)]);
    await apply([{ kind: 'commit', key: b('m0'), startTs: 20, commitTs: 21 }]);
    await apply([prewrite('z1', 'locked', 30)]); // an intent of an in-flight txn
    await apply([{ kind: 'rollback', key: b('e2'), startTs: 40 }]);
    return keys;
  }

  it('moves exactly the picked keys, every version, lock and marker, with exact sizes', async () => {
    const keys = await fill();
    const before = store.spaceInfo(parent);
    const batch = engine.newBatch();
    const r = store.splitSpace(batch, {
      from: parent,
      to: child,
      movesKey,
      entry: { index: ++index, term: 2 },
      start: { index: 5, term: 5 },
    });
    await engine.commit(batch);
    expect(r.kind).toBe('split');
    const p = store.spaceInfo(parent);
    const c = store.spaceInfo(child);
    expect(p?.appliedIndex).toBe(index);
    expect(p?.appliedTerm).toBe(2);
    expect(c?.appliedIndex).toBe(5);
    expect(c?.appliedTerm).toBe(5);
    expect((p?.approxRecords ?? 0) + (c?.approxRecords ?? 0)).toBe(before?.approxRecords);
    expect((p?.approxBytes ?? 0) + (c?.approxBytes ?? 0)).toBe(before?.approxBytes);
    if (r.kind === 'split') {
      expect(r.movedRecords).toBe(c?.approxRecords);
      expect(r.movedBytes).toBe(c?.approxBytes);
    }
    for (const k of keys) {
      const moved = movesKey(b(k));
      const inParent = store.get(parent, b(k), 15);
      const inChild = store.get(child, b(k), 15);
      const there = moved ? inChild : inParent;
      const gone = moved ? inParent : inChild;
      expect(there.kind === 'value' ? s(there.value) : there.kind).toBe(`v1-${k}`);
      expect(gone.kind).toBe('none');
    }
    // Old versions moved too: m0 reads v1 at 15 and v2 at 25.
    const m0 = store.get(child, b('m0'), 25);
    expect(m0.kind === 'value' ? s(m0.value) : m0.kind).toBe('v2-m0');
    // The intent moved: a read past it meets the lock, and its commit applies on the child.
    expect(store.get(child, b('z1'), 35).kind).toBe('locked');
    const commitBatch = engine.newBatch();
    const committed = store.apply(commitBatch, child, {
      index: 6,
      term: 5,
      commands: [{ kind: 'commit', key: b('z1'), startTs: 30, commitTs: 31 }],
    });
    expect(committed.kind === 'applied' && committed.results[0]?.kind).toBe('ok');
    await engine.commit(commitBatch);
    // The rollback marker stayed with its key (e2 < m): a late prewrite of txn 40 is refused.
    const late = engine.newBatch();
    const refused = store.apply(late, parent, {
      index: ++index,
      term: 2,
      commands: [prewrite('e2', 'late', 40)],
    });
    expect(refused.kind === 'applied' && refused.results[0]?.kind).toBe('alreadyRolledBack');
    // The parent's scan sees none of the moved keys.
    const scan = store.scan(parent, undefined, undefined, 50, { limit: 10_000 });
    expect(
      scan.kind === 'rows' && scan.rows.length > 0 && scan.rows.every((row) => !movesKey(row.key)),
    ).toBe(true);
  });

  it('without a new space, only deletes what moves (this node founds no copy)', async () => {
    const keys = await fill();
    const before = store.spaceInfo(parent);
    const batch = engine.newBatch();
    const r = store.splitSpace(batch, {
      from: parent,
      to: undefined,
      movesKey,
      entry: { index: ++index, term: 1 },
      start: { index: 5, term: 5 },
    });
    await engine.commit(batch);
    const after = store.spaceInfo(parent);
    expect(r.kind === 'split' && r.movedRecords).toBe(
      (before?.approxRecords ?? 0) - (after?.approxRecords ?? 0),
    );
    expect(store.listSpaces()).toEqual([parent]);
    for (const k of keys) {
      expect(store.get(parent, b(k), 15).kind).toBe(movesKey(b(k)) ? 'none' : 'value');
    }
  });

  it('refuses a new space that exists, a missing parent, and an index that goes back', async () => {
    await fill();
    const batch = engine.newBatch();
    store.createSpace(batch, child);
    const exists = store.splitSpace(batch, {
      from: parent,
      to: child,
      movesKey,
      entry: { index: index + 1, term: 1 },
      start: { index: 5, term: 5 },
    });
    expect(exists).toEqual({ kind: 'spaceExists', space: child });
    const missing = store.splitSpace(engine.newBatch(), {
      from: 77,
      to: 78,
      movesKey,
      entry: { index: 1, term: 1 },
      start: { index: 5, term: 5 },
    });
    expect(missing).toEqual({ kind: 'spaceNotFound', space: 77 });
    expect(() =>
      store.splitSpace(engine.newBatch(), {
        from: parent,
        to: 78,
        movesKey,
        entry: { index, term: 1 },
        start: { index: 5, term: 5 },
      }),
    ).toThrow(StorageInvariantError);
  });
});
