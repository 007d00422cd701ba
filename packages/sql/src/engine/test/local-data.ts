// Test support: the engine's data layer over local MVCC slices (no Raft), with a routing table
// the session refreshes — the same TxnClient and Router contract as over the cluster.
import { memorySlices, MemoryWindowStore, OracleTimestampSource, TxnClient } from '@tessera/txn';
import type { SliceKv } from '@tessera/txn';
import { RoutingTable } from '../../storage/layout.js';
import { SQL_PROCESSOR, sqlScanProcessor } from '../../pushdown/index.js';

/**
 * Slices (= replication group ids 1..count) over one in-memory engine, serving the SQL scan
 * processor as data nodes do (scans push work down), unless `pushdown` is false. `wrap` puts a
 * SliceKv in front of the slices (fault injection: failover.test.ts).
 */
export async function localData(
  count = 64,
  options: { readonly pushdown?: boolean; readonly wrap?: (kv: SliceKv) => SliceKv } = {},
): Promise<{ txn: TxnClient; routing: RoutingTable }> {
  const kv = await memorySlices(
    count,
    options.pushdown === false
      ? {}
      : { scanProcessors: new Map([[SQL_PROCESSOR, sqlScanProcessor()]]) },
  );
  const routing = new RoutingTable();
  let now = 1_000;
  const clock = {
    now: () => (now += 1),
    setTimer: (ms: number, fn: () => void) => {
      const t = setTimeout(fn, ms);
      return {
        cancel: () => {
          clearTimeout(t);
        },
      };
    },
    defer: (fn: () => void) => {
      setImmediate(fn);
    },
  };
  let seed = 42;
  const rng = {
    nextU32: () => (seed = (seed * 1_103_515_245 + 12_345) >>> 0),
    next: () => rng.nextU32() / 4_294_967_296,
    int: (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1)),
    chance: (p: number) => rng.next() < p,
    fork: () => rng,
  };
  const txn = new TxnClient({
    kv: options.wrap?.(kv) ?? kv,
    router: routing,
    timestamps: new OracleTimestampSource({ clock, windowStore: new MemoryWindowStore() }),
    clock,
    rng,
  });
  return { txn, routing };
}
