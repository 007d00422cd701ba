import { TxnError } from '@tessera/txn';
import type { SliceKv } from '@tessera/txn';
import { describe, expect, it } from 'vitest';
import { SqlSession } from './session.js';
import { localData } from './test/local-data.js';
import { MemoryCatalog } from './test/memory-catalog.js';
import { fails, nodes, rootLogin, rows, run } from './test/sql-session.js';

/**
 * What a client sees while slices fail over (issue 5, "transparent failover"): the data layer
 * is the real one (TxnClient over local MVCC slices) behind a SliceKv that injects what the
 * cluster's KV client reports after its failover window — UNAVAILABLE for a call no leader
 * answered, and a commit of the primary whose answer is lost (applied or not).
 */
class Faults {
  /** The next this-many reads (get/scan) fail with UNAVAILABLE. */
  readsToFail = 0;
  /** The next this-many prewrites fail with UNAVAILABLE (nothing written). */
  prewritesToFail = 0;
  /** The next primary commit's answer is lost: after applying it, or without applying it. */
  loseCommit: 'none' | 'applied' | 'notApplied' = 'none';
  /** Status reads and rollbacks of the primary fail too (its slice stays out of reach). */
  primaryUnreachable = false;
  /** How far the session's clock moves per injected failure (a failover window is long). */
  failureMicros = 0n;
  nowMicros = 1_767_225_600_000_000n;
  injected = 0;
  primaryCommits = 0;
  private primary: Uint8Array | undefined;

  wrap(kv: SliceKv): SliceKv {
    const fail = (what: string): Promise<never> => {
      this.injected++;
      this.nowMicros += this.failureMicros;
      return Promise.reject(new TxnError('UNAVAILABLE', `slice has no leader (${what})`));
    };
    const isPrimary = (keys: readonly Uint8Array[]) =>
      keys.length === 1 && this.primary !== undefined && sameBytes(keys[0], this.primary);
    return {
      get: (...a) => (this.readsToFail > 0 && this.readsToFail-- > 0 ? fail('get') : kv.get(...a)),
      scan: (...a) =>
        this.readsToFail > 0 && this.readsToFail-- > 0 ? fail('scan') : kv.scan(...a),
      prewrite: (slice, request) => {
        if (this.prewritesToFail > 0 && this.prewritesToFail-- > 0) return fail('prewrite');
        this.primary = request.primary;
        return kv.prewrite(slice, request);
      },
      commit: async (slice, keys, startTs, commitTs): ReturnType<SliceKv['commit']> => {
        if (!isPrimary(keys)) return kv.commit(slice, keys, startTs, commitTs);
        this.primaryCommits++;
        const loss = this.loseCommit;
        if (loss === 'none') return kv.commit(slice, keys, startTs, commitTs);
        this.loseCommit = 'none';
        if (loss === 'applied') await kv.commit(slice, keys, startTs, commitTs);
        return fail('commit answer lost');
      },
      rollback: (slice, keys, startTs) =>
        this.primaryUnreachable && isPrimary(keys)
          ? fail('rollback')
          : kv.rollback(slice, keys, startTs),
      checkTxnStatus: (slice, request) =>
        this.primaryUnreachable ? fail('txn status') : kv.checkTxnStatus(slice, request),
      resolveLocks: (...a) => kv.resolveLocks(...a),
    };
  }
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

async function bank(): Promise<{ s: SqlSession; faults: Faults }> {
  const faults = new Faults();
  const s = new SqlSession({
    catalog: new MemoryCatalog(nodes),
    connectionId: 1,
    user: 'root',
    host: 'localhost',
    ...rootLogin,
    nowMicros: () => faults.nowMicros,
    random: () => 0.25,
    data: await localData(8, { wrap: (kv) => faults.wrap(kv) }),
  });
  await run(s, 'CREATE DATABASE bank; USE bank; CREATE TABLE acct (id INT PRIMARY KEY, n INT)');
  await run(s, 'INSERT INTO acct VALUES (1, 0), (2, 0)');
  faults.primaryCommits = 0;
  return { s, faults };
}

describe('transparent failover as the SQL client sees it', () => {
  it('autocommit reads and writes that meet a leaderless slice run again: no error', async () => {
    const { s, faults } = await bank();
    faults.readsToFail = 2;
    expect(await rows(s, 'SELECT n FROM acct WHERE id = 1')).toEqual([['0']]);
    faults.readsToFail = 1;
    faults.prewritesToFail = 2;
    await run(s, 'UPDATE acct SET n = n + 1 WHERE id = 1');
    faults.prewritesToFail = 1;
    await run(s, 'INSERT INTO acct VALUES (3, 7)');
    expect(faults.injected).toBe(6);
    expect(await rows(s, 'SELECT id, n FROM acct ORDER BY id')).toEqual([
      ['1', '1'],
      ['2', '0'],
      ['3', '7'],
    ]);
  });

  it('a lost commit answer is resolved from the primary: applied once, never twice', async () => {
    const { s, faults } = await bank();
    // Applied, answer lost: the primary's status says committed — acknowledged, not re-run.
    faults.loseCommit = 'applied';
    await run(s, 'UPDATE acct SET n = n + 10 WHERE id = 1');
    expect(faults.primaryCommits).toBe(1);
    // Not applied, answer lost: the coordinator rolls the primary back, then the statement
    // runs again in a new transaction (a second primary commit), and lands once.
    faults.loseCommit = 'notApplied';
    await run(s, 'UPDATE acct SET n = n + 100 WHERE id = 1');
    expect(faults.primaryCommits).toBe(3);
    expect(await rows(s, 'SELECT n FROM acct WHERE id = 1')).toEqual([['110']]);
  });

  it('an outcome that cannot be learned is an error saying so, and is not retried', async () => {
    const { s, faults } = await bank();
    faults.loseCommit = 'notApplied';
    faults.primaryUnreachable = true;
    const error = await fails(s, 'UPDATE acct SET n = n + 1 WHERE id = 2');
    expect(error).toMatch(/^1105: UNDETERMINED: the transaction's outcome is unknown/);
    expect(faults.primaryCommits).toBe(1);
  });

  it('stops retrying when the failover window is over: 1105 naming the unavailability', async () => {
    const { s, faults } = await bank();
    // Each failure stands for a KV call that waited out 4 s: the third is past the window.
    faults.failureMicros = 4_000_000n;
    faults.readsToFail = 100;
    expect(await fails(s, 'SELECT n FROM acct WHERE id = 1')).toMatch(
      /^1105: UNAVAILABLE: slice has no leader/,
    );
    expect(faults.injected).toBe(3);
    faults.readsToFail = 0;
  });

  it('in an explicit transaction a failed statement keeps the work; a failed COMMIT is 1213 and ends it', async () => {
    const { s, faults } = await bank();
    await run(s, 'BEGIN');
    await run(s, 'UPDATE acct SET n = 5 WHERE id = 1');
    faults.readsToFail = 1;
    // A read that found no leader: that statement fails (not retried inside a transaction),
    // the transaction and its earlier work remain.
    expect(await fails(s, 'SELECT n FROM acct WHERE id = 2')).toMatch(/^1105: UNAVAILABLE/);
    expect(s.inTransaction).toBe(true);
    await run(s, 'COMMIT');
    expect(await rows(s, 'SELECT n FROM acct WHERE id = 1')).toEqual([['5']]);

    // The commit cannot prewrite: the transaction's work is lost — 1213, and it is over.
    await run(s, 'BEGIN');
    await run(s, 'UPDATE acct SET n = 6 WHERE id = 1');
    faults.prewritesToFail = 1;
    expect(await fails(s, 'COMMIT')).toMatch(
      /^1213: Deadlock found when trying to get lock; try restarting transaction \(the transaction was rolled back, nothing committed: /,
    );
    expect(s.inTransaction).toBe(false);
    // A lost commit answer that the primary shows rolled back: the same.
    await run(s, 'BEGIN');
    await run(s, 'UPDATE acct SET n = 7 WHERE id = 1');
    faults.loseCommit = 'notApplied';
    expect(await fails(s, 'COMMIT')).toMatch(/^1213: .*resolved from its status: rolled back/);
    expect(await rows(s, 'SELECT n FROM acct WHERE id = 1')).toEqual([['5']]);
    // And one that applied is a plain success.
    await run(s, 'BEGIN');
    await run(s, 'UPDATE acct SET n = 8 WHERE id = 1');
    faults.loseCommit = 'applied';
    await run(s, 'COMMIT');
    expect(await rows(s, 'SELECT n FROM acct WHERE id = 1')).toEqual([['8']]);
  });
});
