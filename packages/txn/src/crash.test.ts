import { describe, expect, it } from 'vitest';
import { SimulatedCrash } from './testing-knobs';
import type { CrashPoint } from './testing-knobs';
import type { SliceKv } from './slice-kv';
import { b, drive, keysOnDistinctSlices, makeCluster, s } from './test/fixtures';
import type { TestCluster } from './test/fixtures';

const lockTtlMs = 500;

/** Three keys on three slices holding 'old', then a txn writing 'new' that dies at `point`. */
async function crashedWriter(
  point: CrashPoint,
): Promise<{ cluster: TestCluster; keys: string[]; startTs: number; crashedAtMs: number }> {
  const cluster = await makeCluster({ sliceCount: 4 });
  const keys = keysOnDistinctSlices(cluster.router, 'acct/', 3);
  const setup = cluster.client();
  const w = await setup.begin();
  for (const k of keys) w.put(b(k), b('old'));
  await w.commit();
  await setup.flush();

  const doomed = cluster.client({
    knobs: { crashAt: () => point },
    options: { lockTtlMs },
  });
  const t = await doomed.begin();
  for (const k of keys) t.put(b(k), b('new'));
  const error: unknown = await t.commit().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SimulatedCrash);
  return { cluster, keys, startTs: t.startTs, crashedAtMs: cluster.clock.now() };
}

function lockedKeys(cluster: TestCluster, keys: readonly string[]): Promise<string[]> {
  return Promise.all(
    keys.map(async (k) => {
      const r = await cluster.local.get(
        cluster.router.sliceOf(b(k)),
        b(k),
        Number.MAX_SAFE_INTEGER,
      );
      return r.kind === 'locked' ? k : '';
    }),
  ).then((all) => all.filter((k) => k !== ''));
}

describe('coordinator crash', () => {
  it('before the primary commit: a reader waits out the TTL, rolls back, sees old values; the late commit fails', async () => {
    const { cluster, keys, startTs, crashedAtMs } = await crashedWriter('afterPrewrite');
    expect(await lockedKeys(cluster, keys)).toEqual(keys);

    const reader = cluster.client();
    const t = await reader.begin();
    const values = await drive(cluster.clock, Promise.all(keys.map((k) => t.get(b(k)))));
    expect(values.map(s)).toEqual(['old', 'old', 'old']);
    // It could only roll back once the TTL ran out.
    expect(cluster.clock.now()).toBeGreaterThanOrEqual(crashedAtMs + lockTtlMs);
    expect(await lockedKeys(cluster, keys)).toEqual([]);

    // The dead coordinator comes back and tries to finish: every step fails.
    const [primary] = [...keys].sort();
    if (primary === undefined) throw new Error('no primary');
    const primarySlice = cluster.router.sliceOf(b(primary));
    const lateCommitTs = await cluster.timestamps.next();
    const [late] = await cluster.local.commit(primarySlice, [b(primary)], startTs, lateCommitTs);
    expect(late).toEqual({ kind: 'lockNotFound', status: { kind: 'rolledBack' } });
    const [replay] = await cluster.local.prewrite(primarySlice, {
      mutations: [{ key: b(primary), op: 'put', value: b('new') }],
      primary: b(primary),
      startTs,
      lockTtlMs,
      txnSize: 3,
    });
    expect(replay).toEqual({ kind: 'alreadyRolledBack' });
    const after = await cluster.client().begin();
    expect((await Promise.all(keys.map((k) => after.get(b(k))))).map(s)).toEqual([
      'old',
      'old',
      'old',
    ]);
  });

  it('before the primary commit: a reader with a short wait budget gets LOCK_TIMEOUT', async () => {
    const { cluster, keys } = await crashedWriter('afterPrewrite');
    const reader = cluster.client({ options: { lockWaitMsMax: 50 } });
    const t = await reader.begin();
    const [k] = keys;
    if (k === undefined) throw new Error('no key');
    await expect(drive(cluster.clock, t.get(b(k)))).rejects.toMatchObject({
      code: 'LOCK_TIMEOUT',
    });
  });

  it('before the primary commit: a writer meeting the dead locks after the TTL takes over', async () => {
    const { cluster, keys } = await crashedWriter('afterPrewrite');
    cluster.clock.runUntil(cluster.clock.now() + lockTtlMs);
    const writer = cluster.client();
    const t = await writer.begin();
    for (const k of keys) t.put(b(k), b('taken'));
    await t.commit();
    await writer.flush();
    const r = await writer.begin();
    expect((await Promise.all(keys.map((k) => r.get(b(k))))).map(s)).toEqual([
      'taken',
      'taken',
      'taken',
    ]);
  });

  it('after the primary commit: a reader commits the secondaries at once and sees new values', async () => {
    const { cluster, keys, crashedAtMs } = await crashedWriter('afterPrimaryCommit');
    // The primary is committed; the two secondaries are still locked.
    expect(await lockedKeys(cluster, keys)).toHaveLength(2);
    const reader = cluster.client();
    const t = await reader.begin();
    const values = await drive(cluster.clock, Promise.all(keys.map((k) => t.get(b(k)))));
    expect(values.map(s)).toEqual(['new', 'new', 'new']);
    expect(cluster.clock.now()).toBe(crashedAtMs); // no waiting: the primary decided
    expect(await lockedKeys(cluster, keys)).toEqual([]);
  });

  it('parallel prewrite: secondaries locked, the primary never prewritten; the reader rolls the primary back', async () => {
    const cluster = await makeCluster({ sliceCount: 4 });
    const [primary, secondary] = keysOnDistinctSlices(cluster.router, 'p/', 2).sort();
    if (primary === undefined || secondary === undefined) throw new Error('keys');
    const startTs = await cluster.timestamps.next();
    // The coordinator's secondary prewrite landed; it died before the primary's did.
    const [pre] = await cluster.local.prewrite(cluster.router.sliceOf(b(secondary)), {
      mutations: [{ key: b(secondary), op: 'put', value: b('ghost') }],
      primary: b(primary),
      startTs,
      lockTtlMs,
      txnSize: 2,
    });
    expect(pre).toEqual({ kind: 'ok' });
    const reader = cluster.client();
    const t = await reader.begin();
    expect(await drive(cluster.clock, t.get(b(secondary)))).toBeUndefined();
    // The primary got a rollback marker: its late prewrite fails, so the txn never commits.
    const [late] = await cluster.local.prewrite(cluster.router.sliceOf(b(primary)), {
      mutations: [{ key: b(primary), op: 'put', value: b('ghost') }],
      primary: b(primary),
      startTs,
      lockTtlMs,
      txnSize: 2,
    });
    expect(late).toEqual({ kind: 'alreadyRolledBack' });
  });

  it('a live txn is not rolled back by a reader before its TTL', async () => {
    const cluster = await makeCluster({ sliceCount: 4 });
    const [k] = keysOnDistinctSlices(cluster.router, 'live/', 1);
    if (k === undefined) throw new Error('key');
    const startTs = await cluster.timestamps.next();
    const slice = cluster.router.sliceOf(b(k));
    await cluster.local.prewrite(slice, {
      mutations: [{ key: b(k), op: 'put', value: b('v') }],
      primary: b(k),
      startTs,
      lockTtlMs: 60_000,
      txnSize: 1,
    });
    const status = await cluster.local.checkTxnStatus(slice, {
      primary: b(k),
      startTs,
      callerStartTs: startTs + 1,
      nowMs: cluster.clock.now(),
    });
    expect(status.kind).toBe('locked');
    const commitTs = await cluster.timestamps.next();
    expect(await cluster.local.commit(slice, [b(k)], startTs, commitTs)).toEqual([{ kind: 'ok' }]);
  });
});

describe('regressions', () => {
  // Found by the bank workload with long network delays: the primary's slice-mates were
  // committed in the same apply as the primary, unconditionally, after a resolver had rolled
  // the primary back.
  it('keys on the primary slice do not commit when a resolver rolled the primary back first', async () => {
    const cluster = await makeCluster({ sliceCount: 1 });
    const { local } = cluster;
    let resolverActs = true;
    const racing: SliceKv = {
      get: (...a) => local.get(...a),
      scan: (...a) => local.scan(...a),
      prewrite: (...a) => local.prewrite(...a),
      rollback: (...a) => local.rollback(...a),
      checkTxnStatus: (...a) => local.checkTxnStatus(...a),
      resolveLocks: (...a) => local.resolveLocks(...a),
      commit: async (slice, keys, startTs, commitTs) => {
        if (resolverActs) {
          resolverActs = false;
          // A reader found the TTL expired just before the coordinator's commit arrived.
          const [primary] = keys;
          if (primary === undefined) throw new Error('no key');
          const status = await local.checkTxnStatus(slice, {
            primary,
            startTs,
            callerStartTs: commitTs,
            nowMs: Number.MAX_SAFE_INTEGER,
          });
          expect(status).toEqual({ kind: 'rolledBack' });
        }
        return local.commit(slice, keys, startTs, commitTs);
      },
    };
    const client = cluster.client({ kv: racing });
    const t = await client.begin();
    t.put(b('k1'), b('new'));
    t.put(b('k2'), b('new'));
    await expect(t.commit()).rejects.toMatchObject({ code: 'TXN_ABORTED' });
    await client.flush();
    const r = await drive(cluster.clock, cluster.client().begin());
    expect(await drive(cluster.clock, r.get(b('k2')))).toBeUndefined();
    expect(await drive(cluster.clock, r.get(b('k1')))).toBeUndefined();
  });
});
