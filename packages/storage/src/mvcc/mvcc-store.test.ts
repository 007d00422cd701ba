import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { b, engineKinds, s } from '../../test/engines';
import type { EngineUnderTest } from '../../test/engines';
import type { KvEngine } from '../engine/kv-engine';
import { MemoryEngine } from '../engine/memory-engine';
import { spaceMetaKey } from '../keys/key-layout';
import { packStruct } from '../codec';
import { decodeSpaceMeta, encodeSpaceMeta } from './records';
import { StorageInvariantError } from '../errors';
import { MvccStore } from './mvcc-store';
import type { CommandResult, GetResult, MvccCommand, ScanResult } from './types';

const space = 7;

describe.each(engineKinds)('MvccStore on $name', (kind) => {
  let under: EngineUnderTest;
  let engine: KvEngine;
  let store: MvccStore;
  const applied = new Map<number, number>();

  beforeEach(async () => {
    under = kind.create();
    engine = under.engine;
    store = new MvccStore(engine);
    applied.clear();
    const batch = engine.newBatch();
    expect(store.createSpace(batch, space)).toBe(true);
    await engine.commit(batch);
  });
  afterEach(async () => {
    await under.dispose();
  });

  /** Applies one Raft entry of commands to `sp` and commits it. */
  async function apply(commands: MvccCommand[], sp = space): Promise<CommandResult[]> {
    const index = (applied.get(sp) ?? 0) + 1;
    applied.set(sp, index);
    const batch = engine.newBatch();
    const result = store.apply(batch, sp, { index, term: 1, commands });
    if (result.kind !== 'applied') throw new Error(`apply: ${result.kind}`);
    await engine.commit(batch);
    return [...result.results];
  }

  async function one(command: MvccCommand): Promise<CommandResult> {
    const [result] = await apply([command]);
    if (result === undefined) throw new Error('no result');
    return result;
  }

  const put = (key: string, value: string, startTs: number, primary = key): MvccCommand => ({
    kind: 'prewrite',
    key: b(key),
    startTs,
    primary: b(primary),
    op: 'put',
    value: b(value),
  });
  const del = (key: string, startTs: number): MvccCommand => ({
    kind: 'prewrite',
    key: b(key),
    startTs,
    primary: b(key),
    op: 'delete',
  });
  const commit = (key: string, startTs: number, commitTs: number): MvccCommand => ({
    kind: 'commit',
    key: b(key),
    startTs,
    commitTs,
  });
  const rollback = (key: string, startTs: number): MvccCommand => ({
    kind: 'rollback',
    key: b(key),
    startTs,
  });

  async function write(
    key: string,
    value: string | null,
    startTs: number,
    commitTs: number,
  ): Promise<void> {
    expect(await one(value === null ? del(key, startTs) : put(key, value, startTs))).toEqual({
      kind: 'ok',
    });
    expect(await one(commit(key, startTs, commitTs))).toEqual({ kind: 'ok' });
  }

  const read = (key: string, ts: number): string | GetResult => {
    const r = store.get(space, b(key), ts);
    return r.kind === 'value' ? `${s(r.value)}@${r.commitTs}` : r;
  };

  const rowsOf = (r: ScanResult): string[] =>
    r.kind === 'rows' ? r.rows.map((row) => `${s(row.key)}=${s(row.value)}`) : [r.kind];

  it('shows the newest version at or below the read timestamp', async () => {
    await write('k', 'v1', 10, 11);
    await write('k', 'v2', 20, 21);
    expect(read('k', 5)).toEqual({ kind: 'none' });
    expect(read('k', 11)).toBe('v1@11');
    expect(read('k', 20)).toBe('v1@11');
    expect(read('k', 21)).toBe('v2@21');
    expect(read('k', 1000)).toBe('v2@21');
  });

  it('reads a tombstone as none and older versions below it', async () => {
    await write('k', 'v1', 10, 11);
    await write('k', null, 20, 21);
    expect(read('k', 15)).toBe('v1@11');
    expect(read('k', 25)).toEqual({ kind: 'none' });
  });

  it('blocks a read on a lock from a txn that started at or before the read ts', async () => {
    await write('k', 'v1', 10, 11);
    expect(await one(put('k', 'v2', 20, 'p'))).toEqual({ kind: 'ok' });
    const blocked = store.get(space, b('k'), 25);
    expect(blocked.kind).toBe('locked');
    if (blocked.kind === 'locked') {
      expect(blocked.lock.startTs).toBe(20);
      expect(s(blocked.lock.primary)).toBe('p');
      expect(blocked.lock.op).toBe('put');
    }
    expect(read('k', 20)).toEqual(expect.objectContaining({ kind: 'locked' }));
    // A reader older than the txn does not wait for it.
    expect(read('k', 15)).toBe('v1@11');
  });

  it('reports a write conflict for a version committed at or after startTs', async () => {
    await write('k', 'v1', 10, 30);
    expect(await one(put('k', 'x', 25))).toEqual({
      kind: 'writeConflict',
      conflictCommitTs: 30,
      conflictStartTs: 10,
    });
    expect(await one(put('k', 'x', 30))).toEqual(
      expect.objectContaining({ kind: 'writeConflict' }),
    );
    expect(await one(put('k', 'x', 31))).toEqual({ kind: 'ok' });
  });

  it("reports another txn's lock, and accepts the same prewrite again", async () => {
    expect(await one(put('k', 'a', 10))).toEqual({ kind: 'ok' });
    expect(await one(put('k', 'a', 10))).toEqual({ kind: 'ok' });
    const other = await one(put('k', 'b', 12));
    expect(other.kind).toBe('keyLocked');
  });

  it('leaves a rollback marker so that a late prewrite fails', async () => {
    expect(await one(rollback('k', 10))).toEqual({ kind: 'ok' });
    expect(await one(put('k', 'late', 10))).toEqual({ kind: 'alreadyRolledBack' });
    expect(store.checkTxnStatus(space, b('k'), 10)).toEqual({ kind: 'rolledBack' });
    // Rollback of a prewritten txn removes its lock too.
    expect(await one(put('k', 'v', 20))).toEqual({ kind: 'ok' });
    expect(await one(rollback('k', 20))).toEqual({ kind: 'ok' });
    expect(read('k', 30)).toEqual({ kind: 'none' });
    expect(await one(commit('k', 20, 21))).toEqual({
      kind: 'lockNotFound',
      status: { kind: 'rolledBack' },
    });
  });

  it('refuses to roll back a committed txn', async () => {
    await write('k', 'v', 10, 11);
    expect(await one(rollback('k', 10))).toEqual({ kind: 'alreadyCommitted', commitTs: 11 });
    expect(read('k', 11)).toBe('v@11');
  });

  it('answers checkTxnStatus from the primary key', async () => {
    expect(store.checkTxnStatus(space, b('p'), 10)).toEqual({ kind: 'none' });
    await one(put('p', 'v', 10));
    const status = store.checkTxnStatus(space, b('p'), 10);
    expect(status.kind === 'locked' ? status.lock.startTs : status.kind).toBe(10);
    await one(commit('p', 10, 15));
    await write('p', 'newer', 20, 25);
    expect(store.checkTxnStatus(space, b('p'), 10)).toEqual({ kind: 'committed', commitTs: 15 });
    expect(store.checkTxnStatus(space, b('p'), 20)).toEqual({ kind: 'committed', commitTs: 25 });
    expect(store.checkTxnStatus(space + 1, b('p'), 20)).toEqual({
      kind: 'spaceNotFound',
      space: space + 1,
    });
  });

  it('tracks the highest commit timestamp applied: commits and putVersions, not failures', async () => {
    expect(store.spaceInfo(space)?.maxCommitTs).toBe(0);
    await write('a', 'x', 10, 15);
    expect(store.spaceInfo(space)?.maxCommitTs).toBe(15);
    // A commit that finds no lock, a rollback and a prewrite leave it alone.
    expect((await one(commit('nolock', 30, 40))).kind).toBe('lockNotFound');
    await one(rollback('b', 50));
    await one(put('c', 'y', 60));
    expect(store.spaceInfo(space)?.maxCommitTs).toBe(15);
    await one({ kind: 'putVersion', key: b('d'), commitTs: 70, op: 'put', value: b('z') });
    // An older commit arriving later does not move it back.
    await write('e', 'w', 20, 25);
    expect(store.spaceInfo(space)?.maxCommitTs).toBe(70);
    // A meta written before the field existed reads as 0.
    const older = {
      gen: 1,
      stagingGen: 0,
      appliedIndex: 3,
      appliedTerm: 1,
      gcSafePointTs: 0,
      records: 0,
      bytes: 0,
      stagingRecords: 0,
      stagingBytes: 0,
    };
    expect(decodeSpaceMeta(packStruct(older))).toEqual({ ...older, maxCommitTs: 0 });
  });

  it('treats a retried commit as success and reports a missing lock with the txn status', async () => {
    await write('k', 'v', 10, 11);
    expect(await one(commit('k', 10, 11))).toEqual({ kind: 'ok' });
    expect(await one(commit('k', 10, 12))).toEqual({
      kind: 'lockNotFound',
      status: { kind: 'committed', commitTs: 11 },
    });
    expect(await one(commit('other', 10, 12))).toEqual({
      kind: 'lockNotFound',
      status: { kind: 'none' },
    });
    expect(await one(put('k', 'again', 10))).toEqual({ kind: 'alreadyCommitted', commitTs: 11 });
  });

  it('evaluates commands of one entry against each other, in order', async () => {
    const results = await apply([
      put('a', '1', 10),
      put('a', '2', 11),
      commit('a', 10, 12),
      put('a', '3', 11),
    ]);
    expect(results.map((r) => r.kind)).toEqual(['ok', 'keyLocked', 'ok', 'writeConflict']);
    expect(read('a', 12)).toBe('1@12');
  });

  it('scans a range forward and in reverse, reporting blocking locks', async () => {
    for (const [i, k] of ['a', 'b', 'c', 'd', 'e'].entries())
      await write(k, k.toUpperCase(), 10 + i * 2, 11 + i * 2);
    await write('c', null, 30, 31);
    const fwd = store.scan(space, b('b'), b('e'), 40, { limit: 10 });
    expect(rowsOf(fwd)).toEqual(['b=B', 'd=D']);
    const rev = store.scan(space, b('a'), undefined, 40, { limit: 10, reverse: true });
    expect(rowsOf(rev)).toEqual(['e=E', 'd=D', 'b=B', 'a=A']);
    expect(rowsOf(store.scan(space, undefined, undefined, 15, { limit: 10 }))).toEqual([
      'a=A',
      'b=B',
      'c=C',
    ]);
    await one(put('b', 'B2', 50));
    const locked = store.scan(space, undefined, undefined, 60, { limit: 10 });
    expect(locked.kind === 'rows' ? locked.locks.map((l) => s(l.key)) : []).toEqual(['b']);
    const before = store.scan(space, undefined, undefined, 45, { limit: 10 });
    expect(before.kind === 'rows' ? before.locks : ['?']).toEqual([]);
  });

  it('pages a scan with a limit and a resume key in both directions', async () => {
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5'];
    await apply(
      keys.map((k) => ({ kind: 'putVersion', key: b(k), commitTs: 5, op: 'put', value: b(k) })),
    );
    const page = (reverse: boolean): string[] => {
      const seen: string[] = [];
      let start: Uint8Array | undefined;
      let end: Uint8Array | undefined;
      for (let i = 0; i < 10; i++) {
        const r = store.scan(space, start, end, 10, { limit: 2, reverse });
        if (r.kind !== 'rows') throw new Error(r.kind);
        seen.push(...r.rows.map((row) => s(row.key) ?? ''));
        if (r.resumeKey === undefined) return seen;
        if (reverse) end = r.resumeKey;
        else start = r.resumeKey;
      }
      return seen;
    };
    expect(page(false)).toEqual(keys);
    expect(page(true)).toEqual([...keys].reverse());
  });

  it('keeps user keys with zero bytes and prefixes apart', async () => {
    const weird = [
      Uint8Array.of(),
      Uint8Array.of(0),
      Uint8Array.of(0, 0),
      Uint8Array.of(0, 1),
      Uint8Array.of(1),
      Uint8Array.of(1, 0),
    ];
    await apply(
      weird.map((key, i) => ({
        kind: 'putVersion',
        key,
        commitTs: 5,
        op: 'put',
        value: Uint8Array.of(i),
      })),
    );
    const r = store.scan(space, undefined, undefined, 10, { limit: 100 });
    expect(r.kind === 'rows' ? r.rows.map((row) => [...row.key]) : []).toEqual(
      weird.map((k) => [...k]),
    );
    const mid = store.scan(space, Uint8Array.of(0), Uint8Array.of(1), 10, { limit: 100 });
    expect(mid.kind === 'rows' ? mid.rows.map((row) => row.value[0]) : []).toEqual([1, 2, 3]);
  });

  it('garbage-collects old versions, tombstones and rollback markers below the safe point', async () => {
    await write('k', 'v1', 10, 11);
    await write('k', 'v2', 20, 21);
    await write('k', 'v3', 30, 31);
    await write('gone', 'x', 12, 13);
    await write('gone', null, 14, 15);
    await one(rollback('r', 16));
    await one(put('locked', 'l', 17));
    const before = store.spaceInfo(space);
    const gc = await one({ kind: 'gc', safePointTs: 25, maxRecords: 100 });
    expect(gc).toEqual({ kind: 'gc', deletedRecords: 4, resumeKey: undefined });
    expect(read('k', 25)).toBe('v2@21');
    expect(read('k', 40)).toBe('v3@31');
    expect(store.get(space, b('k'), 15)).toEqual({ kind: 'readTooOld', gcSafePointTs: 25 });
    expect(read('gone', 30)).toEqual({ kind: 'none' });
    expect(store.checkTxnStatus(space, b('r'), 16)).toEqual({ kind: 'none' });
    expect(read('locked', 30)).toEqual(expect.objectContaining({ kind: 'locked' }));
    expect(await one(put('z', 'old', 20))).toEqual({ kind: 'startTsTooOld', gcSafePointTs: 25 });
    const after = store.spaceInfo(space);
    expect(after?.approxRecords).toBe((before?.approxRecords ?? 0) - 4);
    expect(after?.approxBytes).toBeLessThan(before?.approxBytes ?? 0);
  });

  it('does GC in bounded steps that resume where they stopped', async () => {
    for (let i = 0; i < 20; i++) {
      const key = `k${String(i).padStart(2, '0')}`;
      await apply(
        [1, 2, 3].map((t) => ({
          kind: 'putVersion',
          key: b(key),
          commitTs: t * 10,
          op: 'put',
          value: b(`${t}`),
        })),
      );
    }
    let from: Uint8Array | undefined;
    let steps = 0;
    let deleted = 0;
    do {
      const r = await one({
        kind: 'gc',
        safePointTs: 35,
        maxRecords: 7,
        ...(from === undefined ? {} : { fromKey: from }),
      });
      if (r.kind !== 'gc') throw new Error(r.kind);
      deleted += r.deletedRecords;
      from = r.resumeKey;
      steps++;
    } while (from !== undefined && steps < 100);
    expect(deleted).toBe(40);
    expect(steps).toBeGreaterThan(3);
    expect(store.spaceInfo(space)?.approxRecords).toBe(20);
  });

  it('makes GC progress past a key with more versions than one step may examine', async () => {
    await apply(
      Array.from({ length: 12 }, (_, i) => ({
        kind: 'putVersion' as const,
        key: b('hot'),
        commitTs: 10 + i,
        op: 'put' as const,
        value: b(`${i}`),
      })),
    );
    await apply([{ kind: 'putVersion', key: b('next'), commitTs: 5, op: 'put', value: b('n') }]);
    const first = await one({ kind: 'gc', safePointTs: 100, maxRecords: 4 });
    expect(first).toEqual(expect.objectContaining({ kind: 'gc', deletedRecords: 3 }));
    const second = await one({
      kind: 'gc',
      safePointTs: 100,
      ...(first.kind === 'gc' && first.resumeKey ? { fromKey: first.resumeKey } : {}),
      maxRecords: 4,
    });
    expect(second).toEqual({ kind: 'gc', deletedRecords: 0, resumeKey: undefined });
    expect(read('hot', 100)).toBe('11@21');
    expect(read('next', 100)).toBe('n@5');
  });

  it('tracks size per space and lists, drops and purges spaces', async () => {
    const batch = engine.newBatch();
    store.createSpace(batch, 9);
    await engine.commit(batch);
    expect(store.listSpaces()).toEqual([space, 9]);
    await apply([put('a', 'x'.repeat(100), 10), put('b', 'y', 10, 'a')], 9);
    const info = store.spaceInfo(9);
    expect(info?.approxRecords).toBe(2);
    expect(info?.approxBytes).toBeGreaterThan(100);
    expect(info?.appliedIndex).toBe(1);
    const drop = engine.newBatch();
    expect(store.dropSpace(drop, 9)).toBe(true);
    await engine.commit(drop);
    expect(store.listSpaces()).toEqual([space]);
    expect(store.get(9, b('a'), 20)).toEqual({ kind: 'spaceNotFound', space: 9 });
    let done = false;
    for (let i = 0; i < 5 && !done; i++) {
      const purge = engine.newBatch();
      done = store.purgeGarbage(purge, 1).done;
      await engine.commit(purge);
    }
    expect(done).toBe(true);
    expect(
      [...engine.range({ start: Uint8Array.of(0x02), end: Uint8Array.of(0x04) })].every(
        (e) => e.key[4] !== 9,
      ),
    ).toBe(true);
  });

  it('exports a space in chunks and imports it into another, atomically switching at the end', async () => {
    for (let i = 0; i < 30; i++)
      await write(`k${String(i).padStart(2, '0')}`, `v${i}`, 10 + i * 2, 11 + i * 2);
    await one(put('pending', 'p', 100));
    await one(rollback('rolled', 90));
    const exp = store.exportSpace(space);
    if (exp === undefined) throw new Error('no export');
    // Writes after the export started are not in it.
    await write('late', 'x', 200, 201);
    const target = 11;
    const begin = engine.newBatch();
    store.beginImport(begin, target);
    await engine.commit(begin);
    let chunks = 0;
    for (let chunk = exp.nextChunk(200); chunk !== undefined; chunk = exp.nextChunk(200)) {
      const batch = engine.newBatch();
      expect(store.importChunk(batch, target, chunk)).toEqual({ kind: 'ok' });
      await engine.commit(batch);
      chunks++;
      // Until the switch the target serves its old (empty) generation.
      expect(store.get(target, b('k00'), 1000)).toEqual({ kind: 'none' });
    }
    exp.release();
    expect(chunks).toBeGreaterThan(3);
    const finish = engine.newBatch();
    expect(store.finishImport(finish, target, exp.header)).toEqual({ kind: 'ok' });
    await engine.commit(finish);
    const info = store.spaceInfo(target);
    expect(info).toEqual(
      expect.objectContaining({ appliedIndex: exp.header.appliedIndex, importing: false }),
    );
    expect(info?.approxRecords).toBe(exp.header.records);
    expect(info?.approxBytes).toBe(exp.header.bytes);
    // The snapshot carries the highest commit timestamp of its cut, not the later write's.
    expect(exp.header.maxCommitTs).toBe(11 + 29 * 2);
    expect(info?.maxCommitTs).toBe(11 + 29 * 2);
    expect(store.spaceInfo(space)?.maxCommitTs).toBe(201);
    expect(rowsOf(store.scan(target, undefined, undefined, 1000, { limit: 100 }))).toHaveLength(30);
    expect(store.get(target, b('late'), 1000)).toEqual({ kind: 'none' });
    expect(store.get(target, b('pending'), 1000).kind).toBe('locked');
    expect(store.checkTxnStatus(target, b('rolled'), 90)).toEqual({ kind: 'rolledBack' });
  });

  it('abandons a half-done import without touching the live space', async () => {
    await write('a', 'live', 10, 11);
    const exp = store.exportSpace(space);
    if (exp === undefined) throw new Error('no export');
    const begin = engine.newBatch();
    store.beginImport(begin, space);
    await engine.commit(begin);
    const chunk = exp.nextChunk(1 << 20);
    exp.release();
    if (chunk === undefined) throw new Error('empty export');
    const batch = engine.newBatch();
    store.importChunk(batch, space, chunk);
    await engine.commit(batch);
    // A restart of the import marks the abandoned staging generation as garbage.
    const again = engine.newBatch();
    store.beginImport(again, space);
    await engine.commit(again);
    const abort = engine.newBatch();
    expect(store.abortImport(abort, space)).toEqual({ kind: 'ok' });
    await engine.commit(abort);
    expect(read('a', 20)).toBe('live@11');
    const purge = engine.newBatch();
    expect(store.purgeGarbage(purge, 100)).toEqual({ deletedRecords: 1, done: true });
    await engine.commit(purge);
    expect(read('a', 20)).toBe('live@11');
  });

  it('refuses to apply an entry at or below the applied index (invariant)', async () => {
    await apply([]);
    const batch = engine.newBatch();
    expect(() => store.apply(batch, space, { index: 1, term: 1, commands: [] })).toThrow(
      StorageInvariantError,
    );
    expect(store.apply(batch, 99, { index: 5, term: 1, commands: [] })).toEqual({
      kind: 'spaceNotFound',
      space: 99,
    });
  });

  it('rejects a key too large for the engine with a typed result', async () => {
    const key = 'x'.repeat(engine.maxKeyBytes);
    const r = await one(put(key, 'v', 10));
    expect(r.kind).toBe('keyTooLarge');
    expect(read(key.slice(0, 10), 20)).toEqual({ kind: 'none' });
  });

  it('sees space meta changes exactly when their batch commits, never before', async () => {
    await apply([{ kind: 'putVersion', key: b('k'), commitTs: 10, op: 'put', value: b('v') }]);
    expect(read('k', 12)).toBe('v@10');
    // A batch that raises the GC safe point, built but not committed: reads ignore it.
    const gc = engine.newBatch();
    const index = (applied.get(space) ?? 0) + 1;
    applied.set(space, index);
    store.apply(gc, space, {
      index,
      term: 1,
      commands: [{ kind: 'gc', safePointTs: 15, maxRecords: 10 }],
    });
    expect(read('k', 12)).toBe('v@10');
    expect(store.spaceInfo(space)?.gcSafePointTs).toBe(0);
    // A second entry applied into the same batch sees the first one's meta.
    store.apply(gc, space, { index: index + 1, term: 1, commands: [] });
    applied.set(space, index + 1);
    const durable = engine.commit(gc);
    // Visible as soon as commit returns, durable or not.
    expect(read('k', 12)).toEqual({ kind: 'readTooOld', gcSafePointTs: 15 });
    expect(store.spaceInfo(space)?.appliedIndex).toBe(index + 1);
    await durable;
    // A drop built but not committed leaves the space readable; committed, it is gone.
    const drop = engine.newBatch();
    expect(store.dropSpace(drop, space)).toBe(true);
    expect(read('k', 20)).toBe('v@10');
    await engine.commit(drop);
    expect(read('k', 20)).toEqual({ kind: 'spaceNotFound', space });
    expect(new MvccStore(engine).get(space, b('k'), 20).kind).toBe('spaceNotFound');
  });

  it("sees a space meta written behind the store's back", async () => {
    await apply([{ kind: 'putVersion', key: b('k'), commitTs: 10, op: 'put', value: b('v') }]);
    expect(read('k', 12)).toBe('v@10');
    const info = store.spaceInfo(space);
    if (info === undefined) throw new Error('no space');
    const raw = engine.newBatch();
    raw.put(
      spaceMetaKey(space),
      encodeSpaceMeta({
        gen: 999,
        stagingGen: 0,
        appliedIndex: info.appliedIndex,
        appliedTerm: info.appliedTerm,
        gcSafePointTs: 11,
        records: 0,
        bytes: 0,
        stagingRecords: 0,
        stagingBytes: 0,
        maxCommitTs: info.maxCommitTs,
      }),
    );
    await engine.commit(raw);
    expect(read('k', 10)).toEqual({ kind: 'readTooOld', gcSafePointTs: 11 });
    expect(read('k', 12)).toEqual({ kind: 'none' }); // generation 999 is empty
  });
});

describe('MvccStore space meta over a crashing MemoryEngine', () => {
  it('forgets meta of batches a crash lost, in live and in new stores', () => {
    const engine = new MemoryEngine({ durability: 'manual' });
    const store = new MvccStore(engine);
    const setup = engine.newBatch();
    store.createSpace(setup, space);
    void engine.commit(setup);
    const entry = engine.newBatch();
    store.apply(entry, space, {
      index: 1,
      term: 1,
      commands: [{ kind: 'putVersion', key: b('k'), commitTs: 10, op: 'put', value: b('v') }],
    });
    void engine.commit(entry);
    engine.sync();
    expect(store.get(space, b('k'), 12).kind).toBe('value');
    const gc = engine.newBatch();
    store.apply(gc, space, {
      index: 2,
      term: 1,
      commands: [{ kind: 'gc', safePointTs: 15, maxRecords: 10 }],
    });
    void engine.commit(gc);
    expect(store.get(space, b('k'), 12)).toEqual({ kind: 'readTooOld', gcSafePointTs: 15 });
    engine.crash(); // the gc entry was never synced
    expect(store.get(space, b('k'), 12).kind).toBe('value');
    expect(store.spaceInfo(space)?.appliedIndex).toBe(1);
    const reopened = new MvccStore(engine);
    expect(reopened.get(space, b('k'), 12).kind).toBe('value');
    engine.wipe();
    expect(store.get(space, b('k'), 12)).toEqual({ kind: 'spaceNotFound', space });
    expect(new MvccStore(engine).listSpaces()).toEqual([]);
  });
});
