import { TimestampOracle } from '@tessera/cluster';
import type { Clock, ControlClient } from '@tessera/cluster';
import { TxnError } from './errors';

/**
 * Where transactions get startTs and commitTs. Every call must answer a timestamp greater
 * than every timestamp any caller received before the call began (the TSO's real-time
 * order): a commitTs fetched after the prewrites is then above the startTs of every reader
 * that could have missed the locks. So no client-side caching of a batch across calls.
 */
export interface TimestampSource {
  next(): Promise<number>;
}

/** The window end the oracle reserves, kept durably by its host (the control-plane log). */
export interface WindowStore {
  load(): number;
  persist(endPhysicalMs: number): Promise<void>;
}

/** A WindowStore in memory, for tests and the embedded single-process mode. */
export class MemoryWindowStore implements WindowStore {
  private endMs = 0;
  persists = 0;

  load(): number {
    return this.endMs;
  }

  persist(endPhysicalMs: number): Promise<void> {
    this.endMs = Math.max(this.endMs, endPhysicalMs);
    this.persists++;
    return Promise.resolve();
  }
}

/**
 * A TimestampSource over the control plane's TimestampOracle. The clock must read physical
 * milliseconds of the Tessera epoch (the simulator's SimClock does; a host clock goes through
 * `physicalFromUnixMs` in `physicalNow`).
 */
export class OracleTimestampSource implements TimestampSource {
  private readonly oracle: TimestampOracle;

  constructor(options: {
    readonly clock: Clock;
    readonly windowStore: WindowStore;
    readonly physicalNow?: () => number;
    readonly windowMs?: number;
  }) {
    const { clock, windowStore } = options;
    this.oracle = new TimestampOracle(
      {
        physicalNow: options.physicalNow ?? (() => clock.now()),
        persistWindowEnd: (end) => windowStore.persist(end),
        ...(options.windowMs === undefined ? {} : { windowMs: options.windowMs }),
      },
      windowStore.load(),
    );
  }

  async next(): Promise<number> {
    // A fresh cluster's oracle starts at physical 0, logical 0: timestamp 0, which is not a
    // valid Tessera timestamp (they are positive). Skip it.
    for (let attempt = 0; attempt < 2; attempt++) {
      const ts = await this.allocateOne();
      if (ts > 0) return ts;
    }
    throw new TxnError('UNAVAILABLE', 'timestamp oracle answered 0 twice');
  }

  private async allocateOne(): Promise<number> {
    try {
      return (await this.oracle.allocate(1)).first;
    } catch (error) {
      throw TxnError.fromUnknown(error, 'UNAVAILABLE');
    }
  }
}

/**
 * A TimestampSource over the control plane's TSO, through a ControlClient (which batches
 * concurrent calls into one request, each sent after its calls began). This is what
 * coordinators use in a cluster; OracleTimestampSource is for a single process.
 */
export class ControlTimestampSource implements TimestampSource {
  constructor(private readonly client: Pick<ControlClient, 'timestamp'>) {}

  async next(): Promise<number> {
    let ts: number;
    try {
      ts = await this.client.timestamp();
    } catch (error) {
      throw TxnError.fromUnknown(error, 'UNAVAILABLE');
    }
    if (!Number.isSafeInteger(ts) || ts <= 0) {
      throw new TxnError('UNAVAILABLE', `the timestamp oracle answered ${ts}`);
    }
    return ts;
  }
}
