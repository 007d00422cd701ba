import { MemoryEngine, MvccStore } from '@tessera/storage';
import { describe, expect, it } from 'vitest';
import { LocalSliceKv } from './local-slice-kv';
import type { PrewriteRequest } from './slice-kv';
import { b, drive, makeCluster, s } from './test/fixtures';
import { SimNetworkSliceKv } from './test/sim-kv';

const slice = 1;

async function oneSlice(): Promise<{ kv: LocalSliceKv; store: MvccStore }> {
  const engine = new MemoryEngine();
  const kv = await LocalSliceKv.create(engine, [slice]);
  return { kv, store: new MvccStore(engine) };
}

function prewriteOf(keys: string[], startTs: number): PrewriteRequest {
  return {
    mutations: keys.map((k) => ({ key: b(k), op: 'put', value: b(`${k}@${startTs}`) })),
    primary: b(keys[0] ?? ''),
    startTs,
    lockTtlMs: 1_000,
    txnSize: keys.length,
  };
}

describe('LocalSliceKv', () => {
  it('applies each call as one entry of one batch', async () => {
    const { kv, store } = await oneSlice();
    const before = store.spaceInfo(slice)?.appliedIndex ?? -1;
    await kv.prewrite(slice, prewriteOf(['a', 'b', 'c'], 10));
    expect(store.spaceInfo(slice)?.appliedIndex).toBe(before + 1);
    await kv.commit(slice, [b('a'), b('b'), b('c')], 10, 11);
    expect(store.spaceInfo(slice)?.appliedIndex).toBe(before + 2);
    expect(kv.appliesBySlice.get(slice)).toBe(2);
  });

  it('rejects a slice it does not serve with UNAVAILABLE', async () => {
    const { kv } = await oneSlice();
    await expect(kv.get(99, b('a'), 5)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(kv.prewrite(99, prewriteOf(['a'], 5))).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
  });
});

describe('duplicate delivery is harmless', () => {
  it('a replayed prewrite is a no-op', async () => {
    const { kv, store } = await oneSlice();
    expect(await kv.prewrite(slice, prewriteOf(['a', 'b'], 10))).toEqual([
      { kind: 'ok' },
      { kind: 'ok' },
    ]);
    const records = store.spaceInfo(slice)?.approxRecords;
    expect(await kv.prewrite(slice, prewriteOf(['a', 'b'], 10))).toEqual([
      { kind: 'ok' },
      { kind: 'ok' },
    ]);
    expect(store.spaceInfo(slice)?.approxRecords).toBe(records);
    const read = await kv.get(slice, b('b'), 20);
    expect(read.kind === 'locked' && read.lock.startTs).toBe(10);
  });

  it('a replayed commit is a no-op', async () => {
    const { kv, store } = await oneSlice();
    await kv.prewrite(slice, prewriteOf(['a', 'b'], 10));
    expect(await kv.commit(slice, [b('a'), b('b')], 10, 11)).toEqual([
      { kind: 'ok' },
      { kind: 'ok' },
    ]);
    const records = store.spaceInfo(slice)?.approxRecords;
    expect(await kv.commit(slice, [b('a'), b('b')], 10, 11)).toEqual([
      { kind: 'ok' },
      { kind: 'ok' },
    ]);
    expect(store.spaceInfo(slice)?.approxRecords).toBe(records);
    const read = await kv.get(slice, b('a'), 20);
    expect(read.kind === 'value' && s(read.value)).toBe('a@10');
  });

  it('a prewrite replayed after the commit does not lock again', async () => {
    const { kv } = await oneSlice();
    await kv.prewrite(slice, prewriteOf(['a'], 10));
    await kv.commit(slice, [b('a')], 10, 11);
    expect(await kv.prewrite(slice, prewriteOf(['a'], 10))).toEqual([
      { kind: 'alreadyCommitted', commitTs: 11 },
    ]);
    expect((await kv.get(slice, b('a'), 20)).kind).toBe('value');
  });

  it('a prewrite replayed after the rollback fails, so the txn cannot come back', async () => {
    const { kv } = await oneSlice();
    await kv.prewrite(slice, prewriteOf(['a'], 10));
    await kv.rollback(slice, [b('a')], 10);
    expect(await kv.prewrite(slice, prewriteOf(['a'], 10))).toEqual([
      { kind: 'alreadyRolledBack' },
    ]);
    expect(await kv.rollback(slice, [b('a')], 10)).toEqual([{ kind: 'ok' }]);
    expect((await kv.get(slice, b('a'), 20)).kind).toBe('none');
  });

  it('a replayed commit after a later txn overwrote the key changes nothing', async () => {
    const { kv } = await oneSlice();
    await kv.prewrite(slice, prewriteOf(['a'], 10));
    await kv.commit(slice, [b('a')], 10, 11);
    await kv.prewrite(slice, prewriteOf(['a'], 12));
    await kv.commit(slice, [b('a')], 12, 13);
    expect(await kv.commit(slice, [b('a')], 10, 11)).toEqual([{ kind: 'ok' }]);
    expect(await kv.prewrite(slice, prewriteOf(['a'], 10))).toEqual([
      { kind: 'alreadyCommitted', commitTs: 11 },
    ]);
    const read = await kv.get(slice, b('a'), 20);
    expect(read.kind === 'value' && s(read.value)).toBe('a@12');
  });

  it('whole transactions over a network that duplicates every write stay correct', async () => {
    const cluster = await makeCluster({ sliceCount: 4, seed: 7 });
    const net = new SimNetworkSliceKv(cluster.local, cluster.clock, cluster.rng.fork(), {
      delayMsMax: 3,
      duplicateChance: 1,
    });
    const client = cluster.client({ kv: net });
    const run = async (): Promise<string[]> => {
      for (let i = 0; i < 5; i++) {
        const t = await client.begin();
        for (let k = 0; k < 6; k++) t.put(b(`k${k}`), b(`v${i}`));
        await t.commit();
      }
      await client.flush();
      await net.flush();
      const r = await client.begin();
      return (await r.scan(undefined, undefined)).map((row) => s(row.value) ?? '');
    };
    expect(await drive(cluster.clock, run())).toEqual(Array.from({ length: 6 }, () => 'v4'));
    expect(net.duplicatesDelivered).toBeGreaterThan(20);
  });
});
