import type { CommitResult, Lock, RollbackResult, TxnStatus } from '@tessera/storage';
import { bytesEqual } from './bytes';
import { TxnError, TxnInvariantError, invariant } from './errors';
import type { LockResolution, Router, SliceId, SliceKv } from './slice-kv';

/** What lock resolution found out about the txns behind some locks. */
export interface ResolveOutcome {
  /** Locks now gone: their txn's fate was known and applied to them. */
  readonly cleared: number;
  /** Locks of txns still running (or whose primary has not been prewritten yet). */
  readonly alive: number;
}

/**
 * Clears the locks a reader or writer meets (RFC 0002 "Lock resolution"):
 *
 *   lock on k (txn T, primary p) ──► checkTxnStatus(p, T) on p's slice
 *        committed at c   → commit T's lock on k at c
 *        rolled back      → roll back T's lock on k (marker)
 *        TTL ran out      → the primary's slice rolls p back first, then as above
 *        still alive      → the caller backs off and tries again
 *
 * The primary alone decides, so a crashed coordinator's locks get resolved without it.
 */
export class LockResolver {
  constructor(
    private readonly kv: SliceKv,
    private readonly router: Router,
    /** Physical ms (timestamp space) by the caller's clock. */
    private readonly physicalNow: () => number,
  ) {}

  async resolve(locks: readonly Lock[], callerStartTs: number): Promise<ResolveOutcome> {
    const statuses = await this.statusesOf(locks, callerStartTs);
    const bySlice = new Map<SliceId, { lock: Lock; resolution: LockResolution }[]>();
    let alive = 0;
    for (const lock of locks) {
      const status = statuses.get(lock.startTs);
      invariant(status !== undefined, () => `no status for txn ${lock.startTs}`);
      const resolution = resolutionFor(lock, status);
      if (resolution === undefined) {
        alive++;
        continue;
      }
      const slice = this.router.sliceOf(lock.key);
      const group = bySlice.get(slice) ?? [];
      group.push({ lock, resolution });
      bySlice.set(slice, group);
    }
    const applied = [...bySlice].map(async ([slice, group]) => {
      const results = await this.kv.resolveLocks(
        slice,
        group.map((g) => g.resolution),
      );
      group.forEach((g, i) => {
        checkResolved(g.lock, results[i]);
      });
    });
    await Promise.all(applied);
    return { cleared: locks.length - alive, alive };
  }

  /** One checkTxnStatus per distinct txn (by startTs) among the locks. */
  private async statusesOf(
    locks: readonly Lock[],
    callerStartTs: number,
  ): Promise<Map<number, TxnStatus>> {
    const byTxn = new Map<number, Lock>();
    for (const lock of locks) if (!byTxn.has(lock.startTs)) byTxn.set(lock.startTs, lock);
    const entries = await Promise.all(
      [...byTxn.values()].map(
        async (lock) => [lock.startTs, await this.statusOf(lock, callerStartTs)] as const,
      ),
    );
    return new Map(entries);
  }

  private async statusOf(lock: Lock, callerStartTs: number): Promise<TxnStatus> {
    const status = await this.kv.checkTxnStatus(this.router.sliceOf(lock.primary), {
      primary: lock.primary,
      startTs: lock.startTs,
      callerStartTs,
      nowMs: this.physicalNow(),
      rollbackIfMissing: { ttlMs: lock.ttlMs },
    });
    if (status.kind === 'spaceNotFound') {
      throw new TxnError('UNAVAILABLE', `primary's slice ${status.space} is not served`);
    }
    return status;
  }
}

/** The action a lock needs given its txn's status; undefined while the txn is alive. */
function resolutionFor(lock: Lock, status: TxnStatus): LockResolution | undefined {
  switch (status.kind) {
    case 'committed':
      return { key: lock.key, startTs: lock.startTs, commitTs: status.commitTs };
    case 'rolledBack':
      return { key: lock.key, startTs: lock.startTs };
    case 'locked':
    case 'none':
      return undefined;
  }
}

/**
 * Atomicity check: a secondary must never end up with the opposite fate of its primary. A
 * commit that finds no lock (someone resolved it first) is fine unless the key says the txn
 * rolled back; a rollback that finds the key committed means the txn is half committed.
 */
function checkResolved(lock: Lock, result: CommitResult | RollbackResult | undefined): void {
  invariant(result !== undefined, () => 'resolveLocks answered too few results');
  const what = bytesEqual(lock.key, lock.primary) ? 'primary' : 'secondary';
  switch (result.kind) {
    case 'ok':
      return;
    case 'alreadyCommitted':
      throw new TxnInvariantError(
        `txn ${lock.startTs}: ${what} committed at ${result.commitTs} while its primary rolled back`,
      );
    case 'lockNotFound':
      invariant(
        result.status.kind !== 'rolledBack',
        () => `txn ${lock.startTs}: ${what} rolled back while its primary committed`,
      );
      return;
  }
}
