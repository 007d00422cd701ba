// Test support: a small local cluster (LocalSliceKv over one engine, a hash router, the TSO
// over an in-memory window) on a SimClock, and helpers to run async code on virtual time.
import { SeededRng, SimClock } from '@tessera/cluster';
import type { Rng } from '@tessera/cluster';
import { MemoryEngine } from '@tessera/storage';
import type { KvEngine, ScanProcessor } from '@tessera/storage';
import { LocalSliceKv } from '../local-slice-kv';
import type { TxnOptions } from '../options';
import { routerFromFunction } from '../slice-kv';
import type { Router, SliceId, SliceKv } from '../slice-kv';
import type { TxnTestingKnobs } from '../testing-knobs';
import { MemoryWindowStore, OracleTimestampSource } from '../timestamp-source';
import type { TimestampSource } from '../timestamp-source';
import { TxnClient } from '../txn-client';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const b = (text: string): Uint8Array => encoder.encode(text);
export const s = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : decoder.decode(bytes);

/** FNV-1a 32-bit: stands in for placement's consistent hash. */
export function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const byte of bytes) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}

export function hashRouter(slices: readonly SliceId[]): Router {
  return routerFromFunction(slices, (key) => {
    const slice = slices[fnv1a(key) % slices.length];
    if (slice === undefined) throw new Error('no slices');
    return slice;
  });
}

export interface TestCluster {
  readonly clock: SimClock;
  readonly rng: Rng;
  readonly engine: KvEngine;
  readonly local: LocalSliceKv;
  readonly router: Router;
  readonly timestamps: TimestampSource;
  readonly slices: readonly SliceId[];
  /** A new coordinator (its own rng stream) over the shared slices; `kv` overrides the path. */
  client(options?: {
    knobs?: TxnTestingKnobs;
    options?: Partial<TxnOptions>;
    kv?: SliceKv;
  }): TxnClient;
}

export async function makeCluster(
  config: {
    seed?: number;
    sliceCount?: number;
    engine?: KvEngine;
    startMs?: number;
    scanProcessors?: ReadonlyMap<string, ScanProcessor>;
  } = {},
): Promise<TestCluster> {
  const clock = new SimClock(config.startMs ?? 1_000);
  const rng = new SeededRng(config.seed ?? 1);
  const engine = config.engine ?? new MemoryEngine();
  const slices = Array.from({ length: config.sliceCount ?? 4 }, (_, i) => i + 1);
  const local = await LocalSliceKv.create(engine, slices, {
    scanProcessors: config.scanProcessors,
  });
  const router = hashRouter(slices);
  const timestamps = new OracleTimestampSource({ clock, windowStore: new MemoryWindowStore() });
  return {
    clock,
    rng,
    engine,
    local,
    router,
    timestamps,
    slices,
    client: (o = {}) =>
      new TxnClient({
        kv: o.kv ?? local,
        router,
        timestamps,
        clock,
        rng: rng.fork(),
        ...(o.options === undefined ? {} : { options: o.options }),
        ...(o.knobs === undefined ? {} : { knobs: o.knobs }),
      }),
  };
}

/** Keys named `prefix + i` that the router puts on `count` distinct slices. */
export function keysOnDistinctSlices(router: Router, prefix: string, count: number): string[] {
  const seen = new Set<SliceId>();
  const keys: string[] = [];
  for (let i = 0; keys.length < count && i < 10_000; i++) {
    const key = `${prefix}${i}`;
    const slice = router.sliceOf(b(key));
    if (!seen.has(slice)) {
      seen.add(slice);
      keys.push(key);
    }
  }
  if (keys.length < count) throw new Error(`could not spread ${count} keys`);
  return keys;
}

const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Runs `work` to completion on virtual time: drains microtasks, then fires the clock's next
 * timer, until the promise settles. Bounded: a livelock fails the test instead of hanging.
 * With a real disk (LMDB) pending I/O is waited for on the host's event loop.
 */
export async function drive<T>(
  clock: SimClock,
  work: Promise<T>,
  stepsMax = 2_000_000,
): Promise<T> {
  const state = { settled: false };
  const tracked = work.finally(() => {
    state.settled = true;
  });
  tracked.catch(() => undefined);
  for (let step = 0; step < stepsMax; step++) {
    await macrotask();
    if (state.settled) return tracked;
    if (!clock.runNext()) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`drive: not settled after ${stepsMax} steps (virtual time ${clock.now()})`);
}

/** Advances virtual time by `ms`, firing due timers. */
export function advance(clock: SimClock, ms: number): void {
  clock.runUntil(clock.now() + ms);
}
