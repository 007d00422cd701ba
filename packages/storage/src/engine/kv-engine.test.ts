import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { b, engineKinds, s, seededRandom } from '../../test/engines';
import type { EngineUnderTest } from '../../test/engines';
import { StorageError } from '../errors';
import type { KvEngine } from './kv-engine';
import { BatchView } from './write-batch';

describe.each(engineKinds)('KvEngine contract: $name', (kind) => {
  let under: EngineUnderTest;
  let engine: KvEngine;
  beforeEach(() => {
    under = kind.create();
    engine = under.engine;
  });
  afterEach(async () => {
    await under.dispose();
  });

  async function putAll(pairs: Record<string, string>): Promise<void> {
    const batch = engine.newBatch();
    for (const [k, v] of Object.entries(pairs)) batch.put(b(k), b(v));
    await engine.commit(batch);
  }

  const keys = (it: Iterable<{ key: Uint8Array }>) => [...it].map((e) => s(e.key));

  it('puts, overwrites and deletes atomically per batch', async () => {
    await putAll({ a: '1', b: '2' });
    const batch = engine.newBatch();
    batch.put(b('a'), b('1b'));
    batch.delete(b('b'));
    batch.put(b('c'), b('3'));
    await engine.commit(batch);
    expect(s(engine.get(b('a')))).toBe('1b');
    expect(engine.get(b('b'))).toBeUndefined();
    expect(s(engine.get(b('c')))).toBe('3');
  });

  it('makes a batch visible when commit returns, before durability resolves', async () => {
    const batch = engine.newBatch();
    batch.put(b('k'), b('v'));
    const durable = engine.commit(batch);
    expect(s(engine.get(b('k')))).toBe('v');
    await durable;
  });

  it('iterates [start, end) forward and in reverse, with limits and open bounds', async () => {
    await putAll({ a: '', b: '', c: '', d: '', e: '' });
    expect(keys(engine.range({ start: b('b'), end: b('d') }))).toEqual(['b', 'c']);
    expect(keys(engine.range({ start: b('b'), end: b('d'), reverse: true }))).toEqual(['c', 'b']);
    expect(keys(engine.range({ start: b('bb'), end: b('dd'), reverse: true }))).toEqual(['d', 'c']);
    expect(keys(engine.range({ end: b('c'), reverse: true }))).toEqual(['b', 'a']);
    expect(keys(engine.range({ start: b('c') }))).toEqual(['c', 'd', 'e']);
    expect(keys(engine.range({ reverse: true, limit: 2 }))).toEqual(['e', 'd']);
    expect(keys(engine.range({ start: b('a'), limit: 1 }))).toEqual(['a']);
    expect(keys(engine.range({ start: b('x') }))).toEqual([]);
  });

  it('orders keys as unsigned bytes', async () => {
    const batch = engine.newBatch();
    for (const k of [[0xff], [0x00], [0x7f, 0x01], [0x80], [0x00, 0x00]])
      batch.put(Uint8Array.from(k), b(''));
    await engine.commit(batch);
    expect([...engine.range({})].map((e) => [...e.key])).toEqual([
      [0x00],
      [0x00, 0x00],
      [0x7f, 0x01],
      [0x80],
      [0xff],
    ]);
  });

  it('serves a snapshot as of its creation until released', async () => {
    await putAll({ a: '1', b: '2' });
    const snap = engine.snapshot();
    const batch = engine.newBatch();
    batch.put(b('a'), b('changed'));
    batch.delete(b('b'));
    batch.put(b('c'), b('new'));
    await engine.commit(batch);
    expect(s(snap.get(b('a')))).toBe('1');
    expect(s(snap.get(b('b')))).toBe('2');
    expect(snap.get(b('c'))).toBeUndefined();
    expect(keys(snap.range({}))).toEqual(['a', 'b']);
    expect(keys(engine.range({}))).toEqual(['a', 'c']);
    snap.release();
  });

  it('rejects an oversize or empty key with a typed error and writes nothing', async () => {
    const batch = engine.newBatch();
    batch.put(b('fine'), b('x'));
    batch.put(new Uint8Array(engine.maxKeyBytes + 1), b('x'));
    expect(() => engine.commit(batch)).toThrow(StorageError);
    expect(engine.get(b('fine'))).toBeUndefined();
    const atLimit = engine.newBatch();
    atLimit.put(new Uint8Array(engine.maxKeyBytes).fill(1), b('x'));
    await engine.commit(atLimit);
    const empty = engine.newBatch();
    empty.put(new Uint8Array(0), b('x'));
    try {
      void engine.commit(empty);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).code).toBe('KEY_TOO_LARGE');
    }
  });

  it('refuses to commit a batch twice', async () => {
    const batch = engine.newBatch();
    batch.put(b('a'), b('1'));
    await engine.commit(batch);
    expect(() => engine.commit(batch)).toThrow(/BATCH_REUSED/);
  });

  it('lets a BatchView read pending writes merged over the engine', async () => {
    await putAll({ a: '1', b: '2', d: '4' });
    const batch = engine.newBatch();
    batch.delete(b('b'));
    batch.put(b('c'), b('3'));
    batch.put(b('d'), b('4b'));
    const view = new BatchView(engine, batch);
    expect(view.get(b('b'))).toBeUndefined();
    expect(s(view.get(b('d')))).toBe('4b');
    expect([...view.range({})].map((e) => `${s(e.key)}=${s(e.value)}`)).toEqual([
      'a=1',
      'c=3',
      'd=4b',
    ]);
    expect(keys(view.range({ reverse: true, limit: 2 }))).toEqual(['d', 'c']);
    expect(keys(view.range({ start: b('b'), end: b('d'), reverse: true }))).toEqual(['c']);
    await engine.commit(batch);
  });

  it('serves reads and snapshots consistently while batches are still in flight', async () => {
    await putAll({ a: '1', b: '2', c: '3' });
    const first = engine.newBatch();
    first.delete(b('b'));
    first.put(b('d'), b('4'));
    const firstDurable = engine.commit(first);
    const snap = engine.snapshot();
    const second = engine.newBatch();
    second.put(b('b'), b('again'));
    second.delete(b('a'));
    const secondDurable = engine.commit(second);
    const dump = (it: Iterable<{ key: Uint8Array; value: Uint8Array }>) =>
      [...it].map((e) => `${s(e.key)}=${s(e.value)}`);
    expect(dump(snap.range({}))).toEqual(['a=1', 'c=3', 'd=4']);
    expect(dump(snap.range({ reverse: true, limit: 2 }))).toEqual(['d=4', 'c=3']);
    expect(snap.get(b('b'))).toBeUndefined();
    expect(dump(engine.range({}))).toEqual(['b=again', 'c=3', 'd=4']);
    await Promise.all([firstDurable, secondDurable]);
    expect(dump(snap.range({}))).toEqual(['a=1', 'c=3', 'd=4']);
    expect(dump(engine.range({}))).toEqual(['b=again', 'c=3', 'd=4']);
    snap.release();
  });

  const entry = (e: { key: Uint8Array; value: Uint8Array } | undefined) =>
    e === undefined ? undefined : `${s(e.key)}=${s(e.value)}`;

  it('finds the first entry of [start, end) with first()', async () => {
    await putAll({ a: '1', b: '2', d: '4' });
    expect(entry(engine.first(b('a'), b('z')))).toBe('a=1');
    expect(entry(engine.first(b('aa'), b('z')))).toBe('b=2');
    expect(entry(engine.first(b('b'), b('c')))).toBe('b=2');
    expect(entry(engine.first(b('bb'), b('z')))).toBe('d=4');
    expect(engine.first(b('c'), b('d'))).toBeUndefined(); // end is exclusive
    expect(engine.first(b('e'), b('z'))).toBeUndefined();
    expect(engine.first(b('b'), b('b'))).toBeUndefined();
    expect(engine.first(b('d'), b('a'))).toBeUndefined();
  });

  it('merges batches still in flight into first(), puts and deletes alike', async () => {
    await putAll({ a: '1', b: '2', c: '3', d: '4', e: '5' });
    const pending = engine.newBatch();
    pending.delete(b('b'));
    pending.delete(b('c'));
    pending.put(b('bb'), b('new'));
    pending.put(b('d'), b('4b'));
    pending.put(b('f'), b('6'));
    const durable = engine.commit(pending);
    const snap = engine.snapshot();
    const later = engine.newBatch();
    later.delete(b('bb'));
    later.delete(b('a'));
    const laterDurable = engine.commit(later);
    const check = () => {
      expect(engine.first(b('a'), b('b'))).toBeUndefined(); // deleted by the later batch
      expect(entry(engine.first(b('a'), b('z')))).toBe('d=4b');
      expect(engine.first(b('b'), b('d'))).toBeUndefined(); // b, bb, c all deleted
      expect(entry(engine.first(b('c'), b('e')))).toBe('d=4b'); // overwritten in flight
      expect(entry(engine.first(b('dd'), b('z')))).toBe('e=5'); // base entry before overlay's f
      expect(entry(engine.first(b('ee'), b('z')))).toBe('f=6'); // only in the overlay
      expect(engine.first(b('g'), b('z'))).toBeUndefined();
    };
    check();
    // The snapshot froze the first batch but not the later one.
    expect(entry(snap.first(b('a'), b('z')))).toBe('a=1');
    expect(entry(snap.first(b('aa'), b('z')))).toBe('bb=new');
    expect(entry(snap.first(b('bc'), b('z')))).toBe('d=4b');
    expect(snap.first(b('b'), b('bb'))).toBeUndefined();
    // A BatchView lays a batch being built over all of it.
    const building = engine.newBatch();
    building.put(b('c'), b('3c'));
    building.delete(b('d'));
    const view = new BatchView(engine, building);
    expect(entry(view.first(b('a'), b('z')))).toBe('c=3c');
    expect(entry(view.first(b('cc'), b('z')))).toBe('e=5');
    expect(view.first(b('d'), b('e'))).toBeUndefined();
    expect(entry(view.first(b('e'), b('z')))).toBe('e=5');
    await Promise.all([durable, laterDurable]);
    check();
    expect(entry(snap.first(b('aa'), b('z')))).toBe('bb=new');
    snap.release();
  });

  it('agrees with range({ limit: 1 }) on random bounds while batches are in flight', async () => {
    const random = seededRandom(7);
    const key = () =>
      b(String.fromCharCode(97 + Math.floor(random() * 6), 97 + Math.floor(random() * 6)));
    const inFlight: Promise<void>[] = [];
    for (let round = 0; round < 6; round++) {
      const batch = engine.newBatch();
      for (let i = 0; i < 12; i++) {
        if (random() < 0.35) batch.delete(key());
        else batch.put(key(), b(`v${round}.${i}`));
      }
      inFlight.push(engine.commit(batch));
      for (let q = 0; q < 40; q++) {
        const start = key();
        const end = key();
        const expected = [...engine.range({ start, end, limit: 1 })][0];
        expect(entry(engine.first(start, end))).toBe(entry(expected));
      }
    }
    await Promise.all(inFlight);
  });

  it('coalesces concurrent commits and resolves every one of them', async () => {
    const commits = Array.from({ length: 64 }, (_, i) => {
      const batch = engine.newBatch();
      batch.put(b(`w${String(i).padStart(2, '0')}`), b(String(i)));
      return engine.commit(batch);
    });
    await Promise.all(commits);
    expect([...engine.range({ start: b('w'), end: b('x') })]).toHaveLength(64);
  });
});
