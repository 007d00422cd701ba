import type { ClusterOverview, Hotspot } from '@tessera/api';
import { defaultHotReadMinPerSec, defaultHotReadRatio } from '@tessera/cluster';

/** Busiest slices listed per hot node. */
const hotSlicesMax = 5;

/**
 * Nodes serving clearly more than the others, by the hot-node re-rank's rule
 * (packages/cluster/src/control/rebalancer-hot.ts, its default thresholds) applied to reads +
 * writes per second: more than `defaultHotReadRatio` (1.5) × the mean of the serving nodes
 * (running, not down or removed, with rates reported) and at least `defaultHotReadMinPerSec`
 * (50) ops/s. The rebalancer acts on reads alone (only rankings move); the console shows the
 * whole load, since writes keep a node busy too.
 *
 * Each hot node lists the slices loading it most: on a slice it leads, its reads and writes;
 * on one it follows, the writes it applies (reads are served by the leader).
 */
export function findHotspots(overview: ClusterOverview): Hotspot[] {
  const serving = overview.nodes.filter(
    (n) =>
      n.running &&
      (n.state === 'up' || n.state === 'draining') &&
      n.readsPerSec !== null &&
      n.writesPerSec !== null,
  );
  if (serving.length < 2) return [];
  const ops = (n: (typeof serving)[number]) => (n.readsPerSec ?? 0) + (n.writesPerSec ?? 0);
  const mean = serving.reduce((sum, n) => sum + ops(n), 0) / serving.length;
  const hot = serving
    .filter((n) => ops(n) >= defaultHotReadMinPerSec && ops(n) > defaultHotReadRatio * mean)
    .sort((a, b) => ops(b) - ops(a));
  return hot.map((n) => ({
    node: n.id,
    readsPerSec: n.readsPerSec ?? 0,
    writesPerSec: n.writesPerSec ?? 0,
    ratio: mean === 0 ? 0 : ops(n) / mean,
    slices: busiestSlices(overview, n.id),
  }));
}

function busiestSlices(overview: ClusterOverview, nodeId: number): Hotspot['slices'] {
  const loads: Hotspot['slices'][number][] = [];
  for (const s of overview.slices) {
    if (!s.members.some((m) => m.node === nodeId && m.role !== 'logger')) continue;
    const readsPerSec = s.leader === nodeId ? (s.readsPerSec ?? 0) : 0;
    const writesPerSec = s.writesPerSec ?? 0;
    if (readsPerSec + writesPerSec <= 0) continue;
    loads.push({ sliceId: s.sliceId, representation: s.table, readsPerSec, writesPerSec });
  }
  loads.sort(
    (a, b) =>
      b.readsPerSec + b.writesPerSec - (a.readsPerSec + a.writesPerSec) || a.sliceId - b.sliceId,
  );
  return loads.slice(0, hotSlicesMax);
}
