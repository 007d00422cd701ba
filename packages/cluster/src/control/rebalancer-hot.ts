import type { LoadReport, NodeId, PlacementChange, SliceId } from '@tessera/placement';
import { planRerank } from '@tessera/placement';
import type { NodePositions } from './control-protocol';
import type { ControlCommand, ControlState } from './control-state';
import { busySlices, hotReasonPrefix, lastHotRerankAtMs } from './rebalancer-activity';
import {
  defaultHotReadMinPerSec,
  defaultHotReadRatio,
  defaultRerankIntervalMs,
} from './rebalancer-options';
import type { RebalancerOptions } from './rebalancer-options';

/**
 * Hot-node re-rank (issue 5): when one node serves far more reads than the others, the
 * ranking of some of its slices moves to their replicas on cooler nodes. Nothing is copied
 * (each target already holds the data), so it is the cheap cure for a hot node, one
 * `hotRerank` round of promotions planned by placement's `planRerank` (its re-rank pass alone,
 * which evens reads/s per node as far as single hand-overs can).
 *
 * Hysteresis, so that the ranking does not flap with every report: a round only when the
 * hottest up node serves more than `hotReadRatio` (1.5) × the mean reads/s of the up nodes
 * and at least `hotReadMinPerSec` (50), and at most one round per `rerankIntervalMs` (10 s)
 * by the leader's clock against the newest hot re-rank in the replicated history (so a new
 * leader keeps the pace). Reads/s come from the nodes' reports (`readsPerSec` of each
 * replica, summed per node); an up node that has not reported counts as unknown, and no round
 * is decided until it has.
 */

type PlacementCommand = Extract<ControlCommand, { kind: 'applyPlacementChanges' }>;

/** Reads/s each node serves, by its replicas' latest reported rates. */
export function nodeReadsPerSec(positions: readonly NodePositions[]): Map<NodeId, number> {
  const reads = new Map<NodeId, number>();
  for (const node of positions) {
    let sum = 0;
    for (const r of node.replicas) sum += r.readsPerSec ?? 0;
    reads.set(node.nodeId, sum);
  }
  return reads;
}

/** The hot-node re-rank due now, or undefined (no hot node, too soon, or nothing helps). */
export function planHotRerank(
  state: ControlState,
  nowMs: number,
  options: RebalancerOptions,
  positions: readonly NodePositions[],
  load: LoadReport,
): PlacementCommand | undefined {
  const up = state.clusterNodes().filter((n) => n.state === 'up');
  if (up.length < 2) return undefined;
  const reads = nodeReadsPerSec(positions);
  if (up.some((n) => !reads.has(n.id))) return undefined;
  const readsOf = (node: NodeId) => reads.get(node) ?? 0;
  const mean = up.reduce((sum, n) => sum + readsOf(n.id), 0) / up.length;
  const hottest = Math.max(...up.map((n) => readsOf(n.id)));
  const ratio = options.hotReadRatio ?? defaultHotReadRatio;
  if (hottest < (options.hotReadMinPerSec ?? defaultHotReadMinPerSec)) return undefined;
  if (hottest <= ratio * mean) return undefined;
  const last = lastHotRerankAtMs(state.rebalancerActivity);
  const interval = options.rerankIntervalMs ?? defaultRerankIntervalMs;
  if (last !== undefined && nowMs - last < interval) return undefined;
  // The pass may hand one slice on twice (a → b, later b → c): one promotion a → c.
  const handOvers = new Map<SliceId, { from: NodeId; to: NodeId }>();
  // A slice with a task running keeps its ranking: a move hands it over when it finishes.
  const busy = busySlices(state.rebalancerActivity);
  for (const c of planRerank(state.slicePlacement, state.clusterNodes(), { load, fixed: busy })) {
    handOvers.set(c.slice, { from: handOvers.get(c.slice)?.from ?? c.from, to: c.to });
  }
  // Only hand-overs off hot nodes: the pass also evens out the cool ones, which is not worth
  // a leadership change each.
  const isHot = (node: NodeId) => readsOf(node) > ratio * mean;
  const changes: PlacementChange[] = [];
  for (const [slice, { from, to }] of handOvers) {
    if (from === to || !isHot(from)) continue;
    const reason =
      `${hotReasonPrefix}n${from} serves ${Math.round(readsOf(from))} reads/s, ` +
      `n${to} ${Math.round(readsOf(to))}`;
    changes.push({ kind: 'promote', slice, from, to, reason });
  }
  if (changes.length === 0) return undefined;
  return { kind: 'applyPlacementChanges', changes, activity: { action: 'hotRerank', atMs: nowMs } };
}
