import type { ScanProcessor, ScanProgramSpec } from '@tessera/storage';
import { describe, expect, it } from 'vitest';
import { TxnError } from './errors';
import { memorySlices } from './local-slice-kv';
import type { SliceId, SliceKv } from './slice-kv';
import { SimulatedCrash } from './testing-knobs';
import { b, drive, makeCluster, s } from './test/fixtures';

/**
 * Scan programs through the transaction layer: SnapshotReader.scanProgram fans out to every
 * slice, pages each by its examine budget, stops a slice at `stopAfter`, resolves locks and
 * re-sends; Transaction.scanProgram steps aside when its own writes overlap the range.
 */

/** 'keep': program = [byte]; outputs the rows whose value starts with it. */
const keep: ScanProcessor = {
  open(program) {
    if (program.length !== 1) throw new Error(`keep: program of ${program.length} bytes`);
    const kept: { key: Uint8Array; value: Uint8Array }[] = [];
    return {
      row(key, value) {
        if (value[0] === program[0]) kept.push({ key: key.slice(), value: value.slice() });
        return false;
      },
      finish: () => kept,
    };
  },
};

/** 'count': one output per request, `count` = the rows that request examined. */
const count: ScanProcessor = {
  open() {
    let n = 0;
    return {
      row() {
        n++;
        return false;
      },
      finish: () => [{ key: b('count'), value: b(String(n)) }],
    };
  },
};

const processors = new Map([
  ['keep', keep],
  ['count', count],
]);
const keepX: ScanProgramSpec = { processor: 'keep', program: b('x') };
const counting: ScanProgramSpec = { processor: 'count', program: new Uint8Array(0) };

const start = b('r/');
const end = b('r0');
const rowKey = (i: number): string => `r/${String(i).padStart(2, '0')}`;
const rowValue = (i: number): string => `${i % 3 === 0 ? 'y' : 'x'}${i}`;

/**
 * Four slices holding r/00..r/39 (a third of the values start with 'y', the rest with 'x')
 * and a few keys outside the range; a client whose program scans are counted per slice.
 */
async function setup() {
  const cluster = await makeCluster({ sliceCount: 4, scanProcessors: processors });
  const requests: { slice: SliceId; limit: number }[] = [];
  const local = cluster.local;
  const counted: SliceKv = {
    get: (...a) => local.get(...a),
    scan: (slice, from, to, readTs, options) => {
      if (options.program !== undefined) requests.push({ slice, limit: options.limit });
      return local.scan(slice, from, to, readTs, options);
    },
    prewrite: (...a) => local.prewrite(...a),
    commit: (...a) => local.commit(...a),
    rollback: (...a) => local.rollback(...a),
    checkTxnStatus: (...a) => local.checkTxnStatus(...a),
    resolveLocks: (...a) => local.resolveLocks(...a),
  };
  const writer = cluster.client();
  const w = await writer.begin();
  for (let i = 0; i < 40; i++) w.put(b(rowKey(i)), b(rowValue(i)));
  for (const k of ['a', 'r0', 'z']) w.put(b(k), b('x-outside'));
  await w.commit();
  await writer.flush();
  const slices = cluster.router.slicesFor(start, end);
  /** The range's keys on each slice, in key order. */
  const keysOn = (slice: SliceId): number[] =>
    Array.from({ length: 40 }, (_, i) => i).filter(
      (i) => cluster.router.sliceOf(b(rowKey(i))) === slice,
    );
  for (const slice of slices) expect(keysOn(slice).length).toBeGreaterThan(2);
  const requestsTo = (slice: SliceId) => requests.filter((r) => r.slice === slice).length;
  return { cluster, client: cluster.client({ kv: counted }), requests, requestsTo, slices, keysOn };
}

const text = (rows: readonly { key: Uint8Array; value: Uint8Array }[] | undefined) =>
  rows?.map((row) => `${s(row.key)}=${s(row.value)}`);

describe('scanProgram', () => {
  it("answers every slice's outputs, grouped in the router's slice order", async () => {
    const { client, slices, keysOn, requestsTo } = await setup();
    const t = await client.begin();
    const kept = await t.scanProgram(start, end, keepX);
    const expected = slices.flatMap((slice) =>
      keysOn(slice)
        .filter((i) => rowValue(i).startsWith('x'))
        .map((i) => `${rowKey(i)}=${rowValue(i)}`),
    );
    expect(text(kept)).toEqual(expected);
    // One request per slice with the default budget (scanPageRows): one count each.
    const counts = await t.scanProgram(start, end, counting);
    expect(text(counts)).toEqual(slices.map((slice) => `count=${keysOn(slice).length}`));
    for (const slice of slices) expect(requestsTo(slice)).toBe(2);
  });

  it('stops asking a slice once its outputs reach stopAfter', async () => {
    const { client, slices, keysOn, requestsTo } = await setup();
    const t = await client.begin();
    const out = await t.scanProgram(start, end, keepX, { stopAfter: 2, examinePerRequest: 1 });
    const firstTwo = (slice: SliceId) =>
      keysOn(slice)
        .filter((i) => rowValue(i).startsWith('x'))
        .slice(0, 2);
    expect(text(out)).toEqual(
      slices.flatMap((slice) => firstTwo(slice).map((i) => `${rowKey(i)}=${rowValue(i)}`)),
    );
    // One row examined per request: a slice is asked until its second 'x' row, no further.
    for (const slice of slices) {
      const second = firstTwo(slice)[1];
      expect(requestsTo(slice)).toBe(keysOn(slice).indexOf(second ?? -1) + 1);
    }
  });

  it('pages each slice by examinePerRequest until its range is exhausted', async () => {
    const { client, slices, keysOn, requests, requestsTo } = await setup();
    const t = await client.begin();
    const out = await t.scanProgram(start, end, counting, { examinePerRequest: 3 });
    const expected = slices.flatMap((slice) => {
      const n = keysOn(slice).length;
      return Array.from({ length: Math.ceil(n / 3) }, (_, i) => Math.min(3, n - 3 * i));
    });
    expect(out?.map((row) => Number(s(row.value)))).toEqual(expected);
    expect(requests.every((r) => r.limit === 3)).toBe(true);
    for (const slice of slices) expect(requestsTo(slice)).toBe(Math.ceil(keysOn(slice).length / 3));
  });

  it('resolves the locks of a txn committed at its primary and sees its writes', async () => {
    const { cluster, client, slices, requests } = await setup();
    const doomed = cluster.client({ knobs: { crashAt: () => 'afterPrimaryCommit' } });
    const w = await doomed.begin();
    for (const i of [1, 2, 4, 5, 7]) w.put(b(rowKey(i)), b(`x-new${i}`));
    await expect(w.commit()).rejects.toBeInstanceOf(SimulatedCrash);

    const t = await client.begin();
    const out = await drive(cluster.clock, t.scanProgram(start, end, keepX));
    // The same answer as a plain scan of the snapshot, filtered here.
    const plain = (await t.scan(start, end)).filter((row) => s(row.value)?.startsWith('x'));
    expect(new Set(text(out))).toEqual(new Set(text(plain)));
    expect(text(out)).toContain(`${rowKey(1)}=x-new1`);
    expect(text(out)).toContain(`${rowKey(7)}=x-new7`);
    // Slices that met a secondary lock were asked again after resolving it.
    expect(requests.length).toBeGreaterThan(slices.length);
  });

  it('waits out a dead txn that never committed, rolls it back, and sees the old values', async () => {
    const { cluster, client } = await setup();
    const lockTtlMs = 500;
    const doomed = cluster.client({
      knobs: { crashAt: () => 'afterPrewrite' },
      options: { lockTtlMs },
    });
    const w = await doomed.begin();
    for (const i of [1, 2, 4, 5, 7]) w.put(b(rowKey(i)), b(`x-new${i}`));
    await expect(w.commit()).rejects.toBeInstanceOf(SimulatedCrash);
    const crashedAtMs = cluster.clock.now();

    const t = await client.begin();
    const out = await drive(cluster.clock, t.scanProgram(start, end, keepX));
    expect(cluster.clock.now()).toBeGreaterThanOrEqual(crashedAtMs + lockTtlMs);
    expect(text(out)).toContain(`${rowKey(1)}=${rowValue(1)}`);
    expect(text(out)?.some((row) => row.includes('new'))).toBe(false);
  });

  it('answers undefined, sending nothing, when own writes fall in the range', async () => {
    const { client, requests } = await setup();
    const t = await client.begin();
    const clean = t.savepoint();
    t.put(b('r/05'), b('mine'));
    expect(await t.scanProgram(start, end, keepX)).toBeUndefined();
    t.rollbackTo(clean);
    t.delete(b('r/39'));
    expect(await t.scanProgram(start, end, keepX)).toBeUndefined();
    expect(requests).toEqual([]);
    // Writes outside [start, end) do not matter.
    t.rollbackTo(clean);
    t.put(b('r0'), b('x-mine'));
    t.put(b('a'), b('x-mine'));
    expect((await t.scanProgram(start, end, keepX))?.length).toBeGreaterThan(0);
    await t.rollback();
    await expect(t.scanProgram(start, end, keepX)).rejects.toMatchObject({ code: 'TXN_CLOSED' });
  });

  it('turns a refused program into PROGRAM_REFUSED, not retryable', async () => {
    const { client } = await setup();
    const t = await client.begin();
    const unknown = await t
      .scanProgram(start, end, { processor: 'sql', program: b('x') })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(TxnError);
    expect(unknown).toMatchObject({ code: 'PROGRAM_REFUSED', retryable: false });
    expect((unknown as Error).message).toMatch(/no scan processor 'sql' on this node/);
    await expect(
      t.scanProgram(start, end, { processor: 'keep', program: b('xyz') }),
    ).rejects.toThrow(/keep: program of 3 bytes/);
  });

  it('memorySlices registers the processors it is given, and none by default', async () => {
    const served = await memorySlices(2, { scanProcessors: processors });
    const options = { limit: 10, program: counting };
    expect(await served.scan(1, undefined, undefined, 5, options)).toMatchObject({
      kind: 'rows',
      rows: [{ key: b('count'), value: b('0'), commitTs: 0 }],
    });
    const bare = await memorySlices(2);
    expect((await bare.scan(1, undefined, undefined, 5, options)).kind).toBe('programRefused');
  });
});
