import type { Clock, Rng } from '@tessera/cluster';
import type {
  GetResult,
  Lock,
  ReadTooOld,
  ScanProgramSpec,
  ScanResult,
  ScanRow,
  SpaceMissing,
} from '@tessera/storage';
import { Backoff } from './backoff';
import { compareBytes } from './bytes';
import { TxnError, TxnInvariantError } from './errors';
import type { LockResolver } from './lock-resolver';
import type { TxnOptions } from './options';
import type { Router, ScanRoute, SliceId, SliceKv } from './slice-kv';

export interface KeyValue {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** One page of a slice's rows (SnapshotReader.scanPage). */
export interface SlicePage {
  readonly rows: readonly ScanRow[];
  /** Where the next page starts; undefined once the range is exhausted. */
  readonly resumeKey: Uint8Array | undefined;
}

/** Clears the locks one read meets, within its budget of attempts and wait time. */
interface LockWaiter {
  clear(locks: readonly Lock[]): Promise<void>;
}

/** Bounds of a `scanProgram`, per slice. */
export interface ScanProgramOptions {
  /**
   * Outputs one slice may stop at: no further request is sent to a slice once its outputs
   * reach this (the last request may overshoot it). Default: the client's scanRowsMax.
   */
  readonly stopAfter?: number;
  /** Visible rows (plus locks) one request examines at most. Default: scanPageRows. */
  readonly examinePerRequest?: number;
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
    const targets = this.sliceTargets(start, end);
    const perSlice = await Promise.all(
      targets.map(({ slice, route }) => this.scanSlice(slice, start, end, readTs, limit, route)),
    );
    const merged = perSlice.flat().sort((a, b) => compareBytes(a.key, b.key));
    return merged.slice(0, limit).map((row) => ({ key: row.key, value: row.value }));
  }

  /**
   * Runs `program` over every slice the router names for [start, end) at readTs, in parallel;
   * per slice, requests of at most `examinePerRequest` rows (default options.scanPageRows)
   * until the range is exhausted or that slice's outputs reach `stopAfter`. Locks met are
   * resolved and the request re-sent (as scanSlice does). Outputs grouped by slice in the
   * router's slice order, request order within a slice.
   *
   * A program that says stop (its LIMIT met) ends one request, not the slice's scan: the
   * caller bounds the scan with `stopAfter`. A refusal rejects with PROGRAM_REFUSED.
   */
  async scanProgram(
    start: Uint8Array | undefined,
    end: Uint8Array | undefined,
    readTs: number,
    program: ScanProgramSpec,
    options: ScanProgramOptions = {},
  ): Promise<KeyValue[]> {
    const stopAfter = options.stopAfter ?? this.options.scanRowsMax;
    const examinePerRequest = options.examinePerRequest ?? this.options.scanPageRows;
    const examine = Math.max(1, Math.floor(examinePerRequest));
    const targets = this.sliceTargets(start, end);
    const perSlice = await Promise.all(
      targets.map(({ slice, route }) =>
        this.programSlice(slice, start, end, readTs, program, { stopAfter, examine }, route),
      ),
    );
    return perSlice.flat();
  }

  /** One slice's program outputs, request by request; a request that met locks is re-sent. */
  private async programSlice(
    slice: SliceId,
    start: Uint8Array | undefined,
    end: Uint8Array | undefined,
    readTs: number,
    program: ScanProgramSpec,
    bounds: { readonly stopAfter: number; readonly examine: number },
    route: ScanRoute,
  ): Promise<KeyValue[]> {
    const outputs: KeyValue[] = [];
    const waiter = this.lockWaiter(readTs);
    let from = start;
    while (outputs.length < bounds.stopAfter) {
      const answer: ScanResult = await this.kv.scan(
        slice,
        from,
        end,
        readTs,
        { limit: bounds.examine, program },
        route,
      );
      if (answer.kind === 'programRefused') {
        throw new TxnError('PROGRAM_REFUSED', `slice ${slice}: ${answer.reason}`);
      }
      if (answer.kind !== 'rows') throw readFailure(answer);
      if (answer.locks.length > 0) {
        // The outputs are no answer until the locks are gone: resolve, send it again.
        await waiter.clear(answer.locks);
        continue;
      }
      for (const row of answer.rows) outputs.push({ key: row.key, value: row.value });
      if (answer.resumeKey === undefined) break;
      from = answer.resumeKey;
    }
    return outputs;
  }

  /** One slice's rows in range, page by page; a page that met locks is read again. */
  private async scanSlice(
    slice: SliceId,
    start: Uint8Array | undefined,
    end: Uint8Array | undefined,
    readTs: number,
    limit: number,
    route: ScanRoute,
  ): Promise<ScanRow[]> {
    const rows: ScanRow[] = [];
    const waiter = this.lockWaiter(readTs);
    let from = start;
    while (rows.length < limit) {
      const pageRows = Math.min(this.options.scanPageRows, limit - rows.length);
      const page = await this.scanPage(
        slice,
        from,
        end,
        readTs,
        pageRows,
        waiter,
        undefined,
        route,
      );
      rows.push(...page.rows);
      if (page.resumeKey === undefined) break;
      from = page.resumeKey;
    }
    return rows;
  }

  // ---- pages, for Transaction.scanStream (scan-stream.ts) ----

  /** The slices a read of [start, end) visits, in the order `scan` merges them. */
  slicesFor(start: Uint8Array | undefined, end: Uint8Array | undefined): readonly SliceId[] {
    return this.router.slicesFor(start, end);
  }

  /**
   * The slices a read of [start, end) visits, each with the hash range the same map gives it
   * (see Router.boundsOf), to send with every scan of it.
   */
  sliceTargets(
    start: Uint8Array | undefined,
    end: Uint8Array | undefined,
  ): { readonly slice: SliceId; readonly route: ScanRoute }[] {
    return this.router.slicesFor(start, end).map((slice) => {
      const bounds = this.router.boundsOf?.(slice);
      return { slice, route: bounds === undefined ? {} : { bounds } };
    });
  }

  /**
   * One page of `slice`'s rows in [from, end) at readTs (at most `limit`), read again until no
   * lock is left in it; `resumeKey` is where the next page starts (undefined: range exhausted).
   * `waiter` bounds the lock waits; by default the page has a budget of its own. With a
   * `program`, `limit` bounds the rows examined and the page holds the program's outputs.
   */
  async scanPage(
    slice: SliceId,
    from: Uint8Array | undefined,
    end: Uint8Array | undefined,
    readTs: number,
    limit: number,
    waiter: LockWaiter = this.lockWaiter(readTs),
    program?: ScanProgramSpec,
    route: ScanRoute = {},
  ): Promise<SlicePage> {
    for (;;) {
      const page: ScanResult = await this.kv.scan(
        slice,
        from,
        end,
        readTs,
        program === undefined ? { limit } : { limit, program },
        route,
      );
      if (page.kind === 'programRefused') {
        if (program === undefined) throw unexpectedRefusal(slice, page.reason);
        throw new TxnError('PROGRAM_REFUSED', `slice ${slice}: ${page.reason}`);
      }
      if (page.kind !== 'rows') throw readFailure(page);
      if (page.locks.length === 0) return { rows: page.rows, resumeKey: page.resumeKey };
      // The page is not a consistent answer until its locks are gone: resolve, re-read it.
      await waiter.clear(page.locks);
    }
  }

  /** Bounded lock waiting for one read: attempts and total wait time both capped. */
  private lockWaiter(readTs: number): LockWaiter {
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

/** A plain scan carries no program: a refusal of one is a broken SliceKv. */
function unexpectedRefusal(slice: SliceId, reason: string): TxnInvariantError {
  return new TxnInvariantError(`slice ${slice} refused a scan without a program: ${reason}`);
}

function readFailure(result: ReadTooOld | SpaceMissing): TxnError {
  return result.kind === 'readTooOld'
    ? new TxnError('SNAPSHOT_TOO_OLD', `read below the GC safe point ${result.gcSafePointTs}`)
    : new TxnError('UNAVAILABLE', `slice ${result.space} is not served there`);
}
