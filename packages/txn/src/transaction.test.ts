import { describe, expect, it } from 'vitest';
import { TxnError } from './errors';
import { b, keysOnDistinctSlices, makeCluster, s } from './test/fixtures';

describe('Transaction basics', () => {
  it('reads its own writes, and others see nothing before commit', async () => {
    const cluster = await makeCluster();
    const client = cluster.client();
    const t1 = await client.begin();
    t1.put(b('k'), b('v1'));
    expect(s(await t1.get(b('k')))).toBe('v1');
    t1.delete(b('k'));
    expect(await t1.get(b('k'))).toBeUndefined();
    t1.put(b('k'), b('v2'));
    const t2 = await client.begin();
    expect(await t2.get(b('k'))).toBeUndefined();
    const outcome = await t1.commit();
    expect(outcome.commitTs).toBeGreaterThan(t1.startTs);
    expect(t1.state).toBe('committed');
    const t3 = await client.begin();
    expect(s(await t3.get(b('k')))).toBe('v2');
  });

  it('rolls back to a savepoint: later writes gone, earlier ones kept, then commits', async () => {
    const cluster = await makeCluster();
    const client = cluster.client();
    const t = await client.begin();
    t.put(b('a'), b('1'));
    const sp = t.savepoint();
    t.put(b('a'), b('2'));
    t.put(b('b'), b('2'));
    t.delete(b('a'));
    expect(await t.get(b('a'))).toBeUndefined();
    t.rollbackTo(sp);
    expect(s(await t.get(b('a')))).toBe('1');
    expect(await t.get(b('b'))).toBeUndefined();
    // A savepoint can be returned to more than once.
    t.put(b('c'), b('3'));
    t.rollbackTo(sp);
    expect((await t.scan(undefined, undefined)).map((r) => s(r.key))).toEqual(['a']);
    await t.commit();
    const r = await client.begin();
    expect((await r.scan(undefined, undefined)).map((x) => `${s(x.key)}=${s(x.value)}`)).toEqual([
      'a=1',
    ]);
    expect(() => {
      t.rollbackTo(sp);
    }).toThrow(TxnError);
  });

  it('snapshot reads do not see commits after startTs', async () => {
    const cluster = await makeCluster();
    const client = cluster.client();
    const w1 = await client.begin();
    w1.put(b('a'), b('1'));
    await w1.commit();
    const reader = await client.begin();
    const w2 = await client.begin();
    w2.put(b('a'), b('2'));
    w2.put(b('b'), b('2'));
    await w2.commit();
    await client.flush();
    expect(s(await reader.get(b('a')))).toBe('1');
    expect(await reader.get(b('b'))).toBeUndefined();
    expect((await reader.scan(undefined, undefined)).map((r) => s(r.key))).toEqual(['a']);
  });

  it('a delete leaves a tombstone: absent after, present at an older snapshot', async () => {
    const cluster = await makeCluster();
    const client = cluster.client();
    const w1 = await client.begin();
    w1.put(b('gone'), b('x'));
    await w1.commit();
    const before = await client.begin();
    const w2 = await client.begin();
    w2.delete(b('gone'));
    await w2.commit();
    const after = await client.begin();
    expect(await after.get(b('gone'))).toBeUndefined();
    expect(await after.scan(undefined, undefined)).toEqual([]);
    expect(s(await before.get(b('gone')))).toBe('x');
  });

  it('scans across slices merged in key order, with own writes laid over', async () => {
    const cluster = await makeCluster({ sliceCount: 4 });
    const client = cluster.client();
    const keys = Array.from({ length: 40 }, (_, i) => `row/${String(i).padStart(3, '0')}`);
    const slicesUsed = new Set(keys.map((k) => cluster.router.sliceOf(b(k))));
    expect(slicesUsed.size).toBe(4);
    const w = await client.begin();
    for (const k of keys) w.put(b(k), b(`v${k}`));
    w.put(b('other'), b('x'));
    await w.commit();
    await client.flush();

    const t = await client.begin();
    t.delete(b('row/005'));
    t.put(b('row/005a'), b('new'));
    const rows = await t.scan(b('row/'), b('row0'));
    const expected = [...keys.filter((k) => k !== 'row/005'), 'row/005a'].sort();
    expect(rows.map((r) => s(r.key))).toEqual(expected);
    expect(s(rows.find((r) => s(r.key) === 'row/005a')?.value)).toBe('new');
    const limited = await t.scan(b('row/'), b('row0'), { limit: 7 });
    expect(limited.map((r) => s(r.key))).toEqual(expected.slice(0, 7));
  });

  it('small scan pages still return every row', async () => {
    const cluster = await makeCluster({ sliceCount: 3 });
    const client = cluster.client({ options: { scanPageRows: 2 } });
    const w = await client.begin();
    for (let i = 0; i < 25; i++) w.put(b(`p${String(i).padStart(2, '0')}`), b('v'));
    await w.commit();
    await client.flush();
    const t = await client.begin();
    expect(await t.scan(undefined, undefined)).toHaveLength(25);
  });

  it('a single-slice txn commits every key in one commit apply, nothing in background', async () => {
    const cluster = await makeCluster({ sliceCount: 4 });
    const client = cluster.client();
    const [key] = keysOnDistinctSlices(cluster.router, 'one/', 1);
    if (key === undefined) throw new Error('no key');
    const slice = cluster.router.sliceOf(b(key));
    const before = cluster.local.appliesBySlice.get(slice) ?? 0;
    const t = await client.begin();
    t.put(b(key), b('v'));
    const outcome = await t.commit();
    expect(outcome.slices).toBe(1);
    expect(client.stats.backgroundInFlight).toBe(0);
    // One prewrite apply and one commit apply.
    expect(cluster.local.appliesBySlice.get(slice)).toBe(before + 2);
  });

  it('a multi-slice commit finishes its secondaries in the background; flush waits for them', async () => {
    const cluster = await makeCluster({ sliceCount: 4 });
    const client = cluster.client();
    const keys = keysOnDistinctSlices(cluster.router, 'multi/', 3);
    const t = await client.begin();
    for (const k of keys) t.put(b(k), b('v'));
    const outcome = await t.commit();
    expect(outcome.slices).toBe(3);
    await client.flush();
    expect(client.stats).toEqual({ backgroundInFlight: 0, backgroundFailures: 0 });
    for (const k of keys) {
      const read = await cluster.local.get(cluster.router.sliceOf(b(k)), b(k), outcome.commitTs);
      expect(read.kind).toBe('value');
    }
  });

  it('a read-only commit costs nothing and closes the txn', async () => {
    const cluster = await makeCluster();
    const client = cluster.client();
    const t = await client.begin();
    await t.get(b('x'));
    expect(await t.commit()).toEqual({
      kind: 'committed',
      commitTs: t.startTs,
      keys: 0,
      slices: 0,
    });
    await expect(t.get(b('x'))).rejects.toMatchObject({ code: 'TXN_CLOSED' });
    expect(() => {
      t.put(b('x'), b('y'));
    }).toThrow(TxnError);
  });

  it('rollback drops buffered writes', async () => {
    const cluster = await makeCluster();
    const client = cluster.client();
    const t = await client.begin();
    t.put(b('r'), b('1'));
    await t.rollback();
    expect(t.state).toBe('rolledBack');
    const t2 = await client.begin();
    expect(await t2.get(b('r'))).toBeUndefined();
  });

  it('caps the buffered writes', async () => {
    const cluster = await makeCluster();
    const t = await cluster.client({ options: { mutationsMax: 2 } }).begin();
    t.put(b('a'), b('1'));
    t.put(b('b'), b('1'));
    t.put(b('a'), b('2'));
    expect(() => {
      t.put(b('c'), b('1'));
    }).toThrow(/TXN_TOO_LARGE|more than 2/);
  });
});

describe('write-write conflicts (first committer wins)', () => {
  it('of two concurrent txns on one key exactly one commits', async () => {
    const cluster = await makeCluster();
    const client = cluster.client();
    const t1 = await client.begin();
    const t2 = await client.begin();
    t1.put(b('hot'), b('t1'));
    t2.put(b('hot'), b('t2'));
    await t1.commit();
    const error: unknown = await t2.commit().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TxnError);
    expect((error as TxnError).code).toBe('WRITE_CONFLICT');
    expect((error as TxnError).retryable).toBe(true);
    expect(t2.state).toBe('aborted');
    const r = await client.begin();
    expect(s(await r.get(b('hot')))).toBe('t1');
  });

  it('concurrent commits across slices: one wins, the loser leaves no locks', async () => {
    const cluster = await makeCluster({ sliceCount: 4 });
    const client = cluster.client();
    const [k1, k2, k3] = keysOnDistinctSlices(cluster.router, 'c/', 3);
    if (k1 === undefined || k2 === undefined || k3 === undefined) throw new Error('keys');
    const t1 = await client.begin();
    const t2 = await client.begin();
    t1.put(b(k1), b('t1'));
    t1.put(b(k2), b('t1'));
    t2.put(b(k2), b('t2'));
    t2.put(b(k3), b('t2'));
    const results = await Promise.allSettled([t1.commit(), t2.commit()]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'WRITE_CONFLICT' });
    await client.flush();
    const r = await client.begin();
    const rows = await r.scan(undefined, undefined);
    const winner = won[0] === results[0] ? 't1' : 't2';
    for (const row of rows) expect(s(row.value)).toBe(winner);
    // A later writer is not blocked by leftovers of the loser.
    const t3 = await client.begin();
    for (const k of [k1, k2, k3]) t3.put(b(k), b('t3'));
    await t3.commit();
  });

  it('a txn that started before a conflicting commit loses even without overlap in time', async () => {
    const cluster = await makeCluster();
    const client = cluster.client();
    const old = await client.begin();
    const fresh = await client.begin();
    fresh.put(b('k'), b('fresh'));
    await fresh.commit();
    old.put(b('k'), b('old'));
    await expect(old.commit()).rejects.toMatchObject({ code: 'WRITE_CONFLICT' });
  });
});

describe('write skew (allowed by snapshot isolation) and getForUpdate', () => {
  /** Two doctors on call; each txn lets one go off call if the other is still on call. */
  async function onCall(forUpdate: boolean): Promise<PromiseSettledResult<unknown>[]> {
    const cluster = await makeCluster({ sliceCount: 4 });
    const client = cluster.client();
    const [x, y] = keysOnDistinctSlices(cluster.router, 'doc/', 2);
    if (x === undefined || y === undefined) throw new Error('keys');
    const setup = await client.begin();
    setup.put(b(x), b('on'));
    setup.put(b(y), b('on'));
    await setup.commit();
    await client.flush();
    const t1 = await client.begin();
    const t2 = await client.begin();
    const read = (t: typeof t1, k: string) => (forUpdate ? t.getForUpdate(b(k)) : t.get(b(k)));
    for (const [t, mine, other] of [
      [t1, x, y],
      [t2, y, x],
    ] as const) {
      expect(s(await read(t, other))).toBe('on');
      t.put(b(mine), b('off'));
    }
    return Promise.allSettled([t1.commit(), t2.commit()]);
  }

  it('plain reads let both commit (write skew)', async () => {
    const results = await onCall(false);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
  });

  it('getForUpdate turns it into a write conflict: exactly one commits', async () => {
    const results = await onCall(true);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected');
    expect(lost?.reason).toMatchObject({ code: 'WRITE_CONFLICT' });
  });
});
