// Test support: a SliceKv between the coordinators and the slices that behaves like a
// network on virtual time: every call is delayed (seeded), and write calls may be delivered
// again later (a duplicate whose answer nobody reads). Reordering follows from the delays.
import type { Clock, Rng } from '@tessera/cluster';
import type { ScanOptions } from '@tessera/storage';
import type {
  CheckTxnStatusRequest,
  LockResolution,
  PrewriteRequest,
  ScanRoute,
  SliceId,
  SliceKv,
} from '../slice-kv';

export interface SimNetworkOptions {
  /** One-way delay per hop, uniform in [0, delayMsMax]. */
  readonly delayMsMax: number;
  /** Probability that a write call is delivered a second time, later. */
  readonly duplicateChance: number;
}

export class SimNetworkSliceKv implements SliceKv {
  private readonly duplicates = new Set<Promise<unknown>>();
  duplicatesDelivered = 0;

  constructor(
    private readonly inner: SliceKv,
    private readonly clock: Clock,
    private readonly rng: Rng,
    private readonly options: SimNetworkOptions,
  ) {}

  get(slice: SliceId, key: Uint8Array, readTs: number) {
    return this.call(() => this.inner.get(slice, key, readTs));
  }

  scan(
    slice: SliceId,
    start: Uint8Array | undefined,
    end: Uint8Array | undefined,
    readTs: number,
    options: ScanOptions,
    route?: ScanRoute,
  ) {
    return this.call(() => this.inner.scan(slice, start, end, readTs, options, route));
  }

  prewrite(slice: SliceId, request: PrewriteRequest) {
    return this.write(() => this.inner.prewrite(slice, request));
  }

  commit(slice: SliceId, keys: readonly Uint8Array[], startTs: number, commitTs: number) {
    return this.write(() => this.inner.commit(slice, keys, startTs, commitTs));
  }

  rollback(slice: SliceId, keys: readonly Uint8Array[], startTs: number) {
    return this.write(() => this.inner.rollback(slice, keys, startTs));
  }

  checkTxnStatus(slice: SliceId, request: CheckTxnStatusRequest) {
    return this.write(() => this.inner.checkTxnStatus(slice, request));
  }

  resolveLocks(slice: SliceId, resolutions: readonly LockResolution[]) {
    return this.write(() => this.inner.resolveLocks(slice, resolutions));
  }

  /** Waits for every duplicate still in flight. */
  async flush(): Promise<void> {
    while (this.duplicates.size > 0) await Promise.allSettled([...this.duplicates]);
  }

  private async call<T>(send: () => Promise<T>): Promise<T> {
    await this.hop();
    const answer = await send();
    await this.hop();
    return answer;
  }

  private write<T>(send: () => Promise<T>): Promise<T> {
    if (this.rng.chance(this.options.duplicateChance)) {
      const dup = this.hop()
        .then(() => this.hop())
        .then(() => {
          this.duplicatesDelivered++;
          return send();
        });
      const tracked = dup.catch(() => undefined).finally(() => this.duplicates.delete(tracked));
      this.duplicates.add(tracked);
    }
    return this.call(send);
  }

  private hop(): Promise<void> {
    const ms = this.rng.int(0, this.options.delayMsMax);
    return new Promise((resolve) => this.clock.setTimer(ms, resolve));
  }
}
