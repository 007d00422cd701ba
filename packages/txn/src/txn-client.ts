import type { Clock, Rng } from '@tessera/cluster';
import { BackgroundTasks } from './background';
import { LockResolver } from './lock-resolver';
import { defaultTxnOptions } from './options';
import type { TxnOptions } from './options';
import type { Router, SliceKv } from './slice-kv';
import { SnapshotReader } from './snapshot-reader';
import type { KeyValue } from './snapshot-reader';
import type { TxnTestingKnobs } from './testing-knobs';
import type { TimestampSource } from './timestamp-source';
import { Transaction } from './transaction';
import type { CommitContext } from './two-phase-commit';
import { WriteBuffer } from './write-buffer';

export interface TxnClientDeps {
  readonly kv: SliceKv;
  readonly router: Router;
  readonly timestamps: TimestampSource;
  readonly clock: Clock;
  readonly rng: Rng;
  /**
   * Physical milliseconds of the Tessera epoch now, for lock TTLs (which count from a
   * timestamp's physical part). Default: `clock.now()` (the simulator's clock reads that);
   * a host clock maps through `physicalFromUnixMs`.
   */
  readonly physicalNow?: () => number;
  readonly options?: Partial<TxnOptions>;
  readonly knobs?: TxnTestingKnobs;
}

/**
 * The coordinator side of the transaction layer: starts transactions, and owns what outlives
 * one of them (the background commits of secondaries, the lock resolver).
 */
export class TxnClient {
  readonly options: TxnOptions;
  private readonly reader: SnapshotReader;
  private readonly background = new BackgroundTasks();
  private readonly commitContext: CommitContext;

  constructor(private readonly deps: TxnClientDeps) {
    this.options = { ...defaultTxnOptions, ...deps.options };
    const physicalNow = deps.physicalNow ?? (() => deps.clock.now());
    const resolver = new LockResolver(deps.kv, deps.router, physicalNow);
    this.reader = new SnapshotReader(
      deps.kv,
      deps.router,
      resolver,
      deps.clock,
      deps.rng,
      this.options,
    );
    this.commitContext = {
      kv: deps.kv,
      router: deps.router,
      timestamps: deps.timestamps,
      resolver,
      options: this.options,
      knobs: deps.knobs ?? {},
      background: this.background,
      physicalNow,
    };
  }

  /** A new transaction with startTs from the timestamp source. */
  async begin(): Promise<Transaction> {
    const startTs = await this.deps.timestamps.next();
    return new Transaction(
      startTs,
      this.reader,
      new WriteBuffer(this.options.mutationsMax),
      this.commitContext,
      this.options.scanRowsMax,
    );
  }

  /** A read of one key at `readTs` outside any transaction (stale reads, checkers). */
  getAt(key: Uint8Array, readTs: number): Promise<Uint8Array | undefined> {
    return this.reader.get(key, readTs);
  }

  /** A scan at `readTs` outside any transaction. */
  scanAt(
    start: Uint8Array | undefined,
    end: Uint8Array | undefined,
    readTs: number,
    limit = this.options.scanRowsMax,
  ): Promise<KeyValue[]> {
    return this.reader.scan(start, end, readTs, limit);
  }

  /** Waits for every background commit (and cleanup) started so far. */
  flush(): Promise<void> {
    return this.background.flush();
  }

  get stats(): { backgroundInFlight: number; backgroundFailures: number } {
    return {
      backgroundInFlight: this.background.inFlight,
      backgroundFailures: this.background.failures,
    };
  }
}
