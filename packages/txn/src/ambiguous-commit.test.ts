import type { CommitResult } from '@tessera/storage';
import { describe, expect, it } from 'vitest';
import { bytesEqual } from './bytes';
import { TxnError } from './errors';
import type { SliceId, SliceKv } from './slice-kv';
import { b, drive, keysOnDistinctSlices, makeCluster, s } from './test/fixtures';
import type { TestCluster } from './test/fixtures';

/**
 * The commit point without an answer (the primary's leader died, the client's failover window
 * ran out): the coordinator must decide the outcome from the primary's record, never re-send
 * the commit. A SliceKv in front of the real local slices loses the primary's commit answer:
 * - 'appliedThenLost': the commit applied, its answer never came back;
 * - 'neverApplied': the request was lost; it is delivered late, after the resolution;
 * - 'sliceGone': as neverApplied, and the primary's slice stays out of reach for reads too.
 */
type Loss = 'appliedThenLost' | 'neverApplied' | 'sliceGone';

function lossyKv(cluster: TestCluster, loss: Loss) {
  const local = cluster.local;
  const state: {
    primary?: Uint8Array;
    lost?: { slice: SliceId; startTs: number; commitTs: number };
    commits: number;
    statusReads: number;
  } = { commits: 0, statusReads: 0 };
  const unavailable = (what: string) => new TxnError('UNAVAILABLE', `slice unreachable: ${what}`);
  const kv: SliceKv = {
    get: (...a) => local.get(...a),
    scan: (...a) => local.scan(...a),
    resolveLocks: (...a) => local.resolveLocks(...a),
    rollback: (slice, keys, startTs) => {
      if (loss === 'sliceGone' && state.lost?.slice === slice) {
        return Promise.reject(unavailable('rollback'));
      }
      return local.rollback(slice, keys, startTs);
    },
    prewrite: (slice, request) => {
      state.primary = request.primary;
      return local.prewrite(slice, request);
    },
    commit: async (slice, keys, startTs, commitTs): Promise<readonly CommitResult[]> => {
      const [only] = keys;
      const isPrimary =
        keys.length === 1 &&
        only !== undefined &&
        state.primary !== undefined &&
        bytesEqual(only, state.primary);
      if (!isPrimary || state.lost !== undefined)
        return local.commit(slice, keys, startTs, commitTs);
      state.commits++;
      state.lost = { slice, startTs, commitTs };
      if (loss === 'appliedThenLost') await local.commit(slice, keys, startTs, commitTs);
      throw unavailable('commit answer lost');
    },
    checkTxnStatus: (slice, request) => {
      state.statusReads++;
      if (loss === 'sliceGone') return Promise.reject(unavailable('txn status'));
      return local.checkTxnStatus(slice, request);
    },
  };
  return { kv, state };
}

async function seeded(loss: Loss) {
  const cluster = await makeCluster({ sliceCount: 4 });
  const keys = keysOnDistinctSlices(cluster.router, 'acct/', 3);
  const setup = cluster.client();
  const w = await setup.begin();
  for (const k of keys) w.put(b(k), b('old'));
  await w.commit();
  await setup.flush();
  const lossy = lossyKv(cluster, loss);
  const client = cluster.client({ kv: lossy.kv });
  const t = await client.begin();
  for (const k of keys) t.put(b(k), b('new'));
  const outcome = await drive(cluster.clock, t.commit()).catch((e: unknown) => e);
  await drive(cluster.clock, client.flush());
  const values = async () => {
    const r = await cluster.client().begin();
    return drive(cluster.clock, Promise.all(keys.map((k) => r.get(b(k)).then(s))));
  };
  return { cluster, keys, lossy, t, outcome, values };
}

describe('an ambiguous commit point is resolved from the primary, never re-sent', () => {
  it('applied but unanswered: the coordinator finds it committed and acknowledges', async () => {
    const { lossy, t, outcome, values } = await seeded('appliedThenLost');
    expect(outcome).toMatchObject({ kind: 'committed', keys: 3 });
    expect(t.state).toBe('committed');
    expect(lossy.state.commits).toBe(1); // never re-sent
    expect(lossy.state.statusReads).toBe(1);
    expect(await values()).toEqual(['new', 'new', 'new']);
  });

  it('lost before applying: rolled back by the coordinator, a clean retryable failure; the late commit fails', async () => {
    const { cluster, lossy, t, outcome, values } = await seeded('neverApplied');
    expect(outcome).toBeInstanceOf(TxnError);
    expect(outcome).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect((outcome as Error).message).toMatch(/rolled back, nothing committed/);
    expect(t.state).toBe('aborted');
    expect(lossy.state.commits).toBe(1);
    expect(await values()).toEqual(['old', 'old', 'old']);
    // The lost request arrives now (a stale leader's log): the rollback marker stops it.
    const lost = lossy.state.lost;
    const primary = lossy.state.primary;
    if (lost === undefined || primary === undefined) throw new Error('no lost commit');
    const [late] = await cluster.local.commit(lost.slice, [primary], lost.startTs, lost.commitTs);
    expect(late).toEqual({ kind: 'lockNotFound', status: { kind: 'rolledBack' } });
    expect(await values()).toEqual(['old', 'old', 'old']);
  });

  it('the primary stays out of reach: UNDETERMINED, not retryable, and nothing re-sent', async () => {
    const { lossy, outcome } = await seeded('sliceGone');
    expect(outcome).toMatchObject({ code: 'UNDETERMINED', retryable: false });
    expect((outcome as Error).message).toMatch(/status could not be read/);
    expect(lossy.state.commits).toBe(1);
  });
});
