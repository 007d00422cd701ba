import type { Clock, Rng } from '@tessera/cluster';
import type {
  GetResult,
  Lock,
  ReadTooOld,
  ScanResult,
  ScanRow,
  SpaceMissing,
} from '@tessera/storage';
import { Backoff } from './backoff';
import { compareBytes } from './bytes';
import { TxnError } from './errors';
import type { LockResolver } from './lock-resolver';
import type { TxnOptions } from './options';
import type { Router, SliceId, SliceKv } from './slice-kv';

export interface KeyValue {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/**
 * Reads at one timestamp through the router. A lock met on the way is resolved (its primary
 * decides) and the read retried; a live txn's lock is waited out with backoff on the injected
 * clock, bounded in attempts and in total time, then LOCK_TIMEOUT. Never spins.
 */
export class SnapshotReader {
  private readonly backoff: Backoff;

  constructor(
    private readonly kv: SliceKv,
    private readonly router: Router,
    private readonly resolver: LockResolver,
    private readonly clock: Clock,
    rng: Rng,
    private readonly options: TxnOptions,
  ) {
    this.backoff = new Backoff(clock, rng, options.backoffBaseMs, options.backoffCapMs);
  }

  async get(key: Uint8Array, readTs: number): Promise<Uint8Array | undefined> {
    const slice = this.router.sliceOf(key);
    const waiter = this.lockWaiter(readTs);
    for (;;) {
      const result: GetResult = await this.kv.get(slice, key, readTs);
      switch (result.kind) {
        case 'value':
          return result.value;
        case 'none':
          return undefined;
        case 'locked':
          await waiter.clear([result.lock]);
          break;
        case 'readTooOld':
        case 'spaceNotFound':
          throw readFailure(result);
      }
    }
  }

  /**
   * Keys in [start, end) at readTs in key order, at most `limit`, merged over every slice the
   * router names for the range.
   */
  async scan(
    start: Uint8Array | undefined,
    end: Uint8Array | undefined,
    readTs: number,
    limit: number,
  ): Promise<KeyValue[]> {
    const slices = this.router.slicesFor(start, end);
    const perSlice = await Promise.all(
      slices.map((slice) => this.scanSlice(slice, start, end, readTs, limit)),
    );
    const merged = perSlice.flat().sort((a, b) => compareBytes(a.key, b.key));
    return merged.slice(0, limit).map((row) => ({ key: row.key, value: row.value }));
  }

  /** One slice's rows in range, page by page; a page that met locks is read again. */
  private async scanSlice(
    slice: SliceId,
    start: Uint8Array | undefined,
    end: Uint8Array | undefined,
    readTs: number,
    limit: number,
  ): Promise<ScanRow[]> {
    const rows: ScanRow[] = [];
    const waiter = this.lockWaiter(readTs);
    let from = start;
    while (rows.length < limit) {
      const pageRows = Math.min(this.options.scanPageRows, limit - rows.length);
      const page: ScanResult = await this.kv.scan(slice, from, end, readTs, { limit: pageRows });
      if (page.kind !== 'rows') throw readFailure(page);
      if (page.locks.length > 0) {
        // The page is not a consistent answer until its locks are gone: resolve, re-read it.
        await waiter.clear(page.locks);
        continue;
      }
      rows.push(...page.rows);
      if (page.resumeKey === undefined) break;
      from = page.resumeKey;
    }
    return rows;
  }

  /** Bounded lock waiting for one read: attempts and total wait time both capped. */
  private lockWaiter(readTs: number): { clear(locks: readonly Lock[]): Promise<void> } {
    const startedMs = this.clock.now();
    let attempt = 0;
    return {
      clear: async (locks) => {
        attempt++;
        if (attempt > this.options.readAttemptsMax) throw lockTimeout(locks, attempt);
        const outcome = await this.resolver.resolve(locks, readTs);
        if (outcome.alive === 0) return;
        if (this.clock.now() - startedMs >= this.options.lockWaitMsMax) {
          throw lockTimeout(locks, attempt);
        }
        await this.backoff.sleep(attempt);
      },
    };
  }
}

function lockTimeout(locks: readonly Lock[], attempts: number): TxnError {
  const first = locks[0];
  const who = first === undefined ? 'a txn' : `txn ${first.startTs}`;
  return new TxnError('LOCK_TIMEOUT', `${who} still holds a lock after ${attempts} attempts`);
}

function readFailure(result: ReadTooOld | SpaceMissing): TxnError {
  return result.kind === 'readTooOld'
    ? new TxnError('SNAPSHOT_TOO_OLD', `read below the GC safe point ${result.gcSafePointTs}`)
    : new TxnError('UNAVAILABLE', `slice ${result.space} is not served there`);
}
