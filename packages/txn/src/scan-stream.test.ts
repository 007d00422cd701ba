import { SeededRng } from '@tessera/cluster';
import type { Rng } from '@tessera/cluster';
import { describe, expect, it } from 'vitest';
import type { SliceId, SliceKv } from './slice-kv';
import type { KeyValue } from './snapshot-reader';
import { SimulatedCrash } from './testing-knobs';
import { b, drive, makeCluster, s } from './test/fixtures';
import type { TestCluster } from './test/fixtures';

/** `kv` with every scan counted, and the rows each slice answered. */
function countingKv(kv: SliceKv): {
  kv: SliceKv;
  scans: () => number;
  rowsAnswered: Map<SliceId, number>;
} {
  let scans = 0;
  const rowsAnswered = new Map<SliceId, number>();
  return {
    kv: {
      get: (...a) => kv.get(...a),
      scan: async (slice, ...rest) => {
        scans++;
        const result = await kv.scan(slice, ...rest);
        if (result.kind === 'rows') {
          rowsAnswered.set(slice, (rowsAnswered.get(slice) ?? 0) + result.rows.length);
        }
        return result;
      },
      prewrite: (...a) => kv.prewrite(...a),
      commit: (...a) => kv.commit(...a),
      rollback: (...a) => kv.rollback(...a),
      checkTxnStatus: (...a) => kv.checkTxnStatus(...a),
      resolveLocks: (...a) => kv.resolveLocks(...a),
    },
    scans: () => scans,
    rowsAnswered,
  };
}

async function collect(rows: AsyncIterable<KeyValue>): Promise<string[]> {
  const out: string[] = [];
  for await (const r of rows) out.push(`${s(r.key) ?? ''}=${s(r.value) ?? ''}`);
  return out;
}

const shown = (rows: readonly KeyValue[]) =>
  rows.map((r) => `${s(r.key) ?? ''}=${s(r.value) ?? ''}`);

const rKey = (i: number) => `r${String(i).padStart(2, '0')}`;

const keyOf = (rng: Rng) => `k${String(rng.int(0, 299)).padStart(3, '0')}`;

/** Committed history: a few transactions of random puts and deletes over 300 keys. */
async function randomHistory(cluster: TestCluster, rng: Rng): Promise<void> {
  const client = cluster.client();
  for (let round = 0; round < 4; round++) {
    const t = await client.begin();
    for (let i = 0; i < 120; i++) {
      const key = keyOf(rng);
      if (rng.chance(0.2)) t.delete(b(key));
      else t.put(b(key), b(`v${round}.${i}`));
    }
    await t.commit();
    await client.flush();
  }
}

describe('Transaction.scanStream', () => {
  it('yields exactly what scan returns, own writes and deletes included (random data, ranges, page sizes)', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const rng = new SeededRng(seed);
      const cluster = await makeCluster({ seed, sliceCount: 1 + (seed % 7) });
      await randomHistory(cluster, rng);
      const t = await cluster.client().begin();
      // Own writes: overwrites, new keys, deletes of present and absent keys.
      for (let i = 0; i < 40; i++) {
        const key = keyOf(rng);
        if (rng.chance(0.4)) t.delete(b(key));
        else t.put(b(key), b(`own${i}`));
      }
      for (let q = 0; q < 6; q++) {
        const lo = rng.chance(0.2) ? undefined : keyOf(rng);
        const hi = rng.chance(0.2) ? undefined : keyOf(rng);
        const start = lo === undefined ? undefined : b(lo);
        const end = hi === undefined ? undefined : b(hi);
        const pageRows = rng.int(1, 9);
        const expected = shown(await t.scan(start, end));
        expect(await collect(t.scanStream(start, end, { pageRows }))).toEqual(expected);
      }
      expect((await t.scan(undefined, undefined)).length).toBeGreaterThan(100);
    }
  });

  it('resolves locks it meets, before and while it streams', async () => {
    const cluster = await makeCluster({ sliceCount: 4 });
    const setup = cluster.client();
    const w = await setup.begin();
    for (let i = 0; i < 40; i++) w.put(b(rKey(i)), b('old'));
    await w.commit();
    await setup.flush();
    const lockTtlMs = 500;
    const crashing = (point: 'afterPrewrite' | 'afterPrimaryCommit') =>
      cluster.client({ knobs: { crashAt: () => point }, options: { lockTtlMs } });

    // A writer that died after its commit point: its secondaries are still locked.
    const committed = await crashing('afterPrimaryCommit').begin();
    for (const i of [3, 17, 29, 38]) committed.put(b(rKey(i)), b('new'));
    await expect(committed.commit()).rejects.toBeInstanceOf(SimulatedCrash);

    // A writer that starts before the reader and dies after prewriting, mid-stream.
    const doomed = await crashing('afterPrewrite').begin();
    const reader = await cluster.client().begin();
    const stream = reader.scanStream(b('r'), b('s'), { pageRows: 2 })[Symbol.asyncIterator]();
    const first = await drive(cluster.clock, stream.next());
    expect(first.done).toBe(false);
    if (first.done !== false) throw new Error('no first row');
    for (const i of [12, 25, 36]) doomed.put(b(rKey(i)), b('never'));
    await expect(doomed.commit()).rejects.toBeInstanceOf(SimulatedCrash);
    const crashedAtMs = cluster.clock.now();

    const rows = [`${s(first.value.key) ?? ''}=${s(first.value.value) ?? ''}`];
    for (;;) {
      const next = await drive(cluster.clock, stream.next());
      if (next.done === true) break;
      rows.push(`${s(next.value.key) ?? ''}=${s(next.value.value) ?? ''}`);
    }
    const expected = Array.from({ length: 40 }, (_, i) => {
      return `${rKey(i)}=${[3, 17, 29, 38].includes(i) ? 'new' : 'old'}`;
    });
    expect(rows).toEqual(expected);
    // It met the dead writer's live-looking locks: only their TTL running out let it go on.
    expect(cluster.clock.now()).toBeGreaterThanOrEqual(crashedAtMs + lockTtlMs);
    // The dead writer's locks were rolled back once its TTL ran out; the committed one's
    // secondaries were committed. Nothing is locked any more.
    const after = await cluster.client().begin();
    expect(shown(await after.scan(b('r'), b('s')))).toEqual(expected);
  });

  it('stops reading when the consumer stops: no page requested after the break', async () => {
    const cluster = await makeCluster({ sliceCount: 4 });
    const counting = countingKv(cluster.local);
    const client = cluster.client({ kv: counting.kv });
    const w = await client.begin();
    for (let i = 0; i < 400; i++) w.put(b(`k${String(i).padStart(3, '0')}`), b(`${i}`));
    await w.commit();
    await client.flush();

    const t = await client.begin();
    const before = counting.scans();
    let seen = 0;
    for await (const row of t.scanStream(undefined, undefined, { pageRows: 5 })) {
      expect(s(row.key)).toBe(`k${String(seen).padStart(3, '0')}`);
      if (++seen === 30) break;
    }
    const atBreak = counting.scans() - before;
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(counting.scans() - before).toBe(atBreak);
    // 30 rows over 4 slices of 5-row pages: a handful of pages, not the 80+ of the whole table.
    expect(atBreak).toBeLessThanOrEqual(30 / 5 + 2 * 4);
  });

  it('holds at most about two pages per slice: answered minus consumed stays within 2 pages', async () => {
    const cluster = await makeCluster({ sliceCount: 5 });
    const counting = countingKv(cluster.local);
    const client = cluster.client({ kv: counting.kv });
    const w = await client.begin();
    for (let i = 0; i < 600; i++) w.put(b(`k${String(i).padStart(3, '0')}`), b('x'));
    await w.commit();
    await client.flush();
    const pageRows = 7;
    const t = await client.begin();
    counting.rowsAnswered.clear();
    const consumed = new Map<SliceId, number>();
    let rows = 0;
    for await (const row of t.scanStream(undefined, undefined, { pageRows })) {
      const slice = cluster.router.sliceOf(row.key);
      consumed.set(slice, (consumed.get(slice) ?? 0) + 1);
      rows++;
      for (const slice of cluster.slices) {
        const held = (counting.rowsAnswered.get(slice) ?? 0) - (consumed.get(slice) ?? 0);
        expect(held).toBeLessThanOrEqual(2 * pageRows);
      }
    }
    expect(rows).toBe(600);
  });

  it('fails with TXN_CLOSED at its next page once the transaction ended', async () => {
    const cluster = await makeCluster({ sliceCount: 2 });
    const client = cluster.client();
    const w = await client.begin();
    for (let i = 0; i < 50; i++) w.put(b(`k${String(i).padStart(2, '0')}`), b('x'));
    await w.commit();
    await client.flush();
    const t = await client.begin();
    const it = t.scanStream(undefined, undefined, { pageRows: 2 })[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    await t.rollback();
    await expect(
      (async () => {
        for (;;) if ((await it.next()).done === true) return;
      })(),
    ).rejects.toMatchObject({ code: 'TXN_CLOSED' });
  });
});
