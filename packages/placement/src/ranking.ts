import type { ClusterView } from './cluster';
import { isUp } from './cluster';
import { compareKeys } from './chooseNode';
import type { NodeId, SliceId } from './model';
import type { WorkingPlacement } from './workingPlacement';

/** True when the slice's ranking replica is a data replica on an up node. */
export function rankingHealthy(
  work: WorkingPlacement,
  view: ClusterView,
  sliceId: SliceId,
): boolean {
  const ranking = work.slice(sliceId).rankingReplica;
  if (ranking === undefined) return false;
  return work.memberOn(sliceId, ranking)?.role === 'replica' && isUp(view, ranking);
}

/**
 * The data replica on an up node that should rank the slice: the one serving the fewest
 * reads (or ranking the fewest slices, without a load report), then the lowest id.
 */
export function bestRankingCandidate(
  work: WorkingPlacement,
  view: ClusterView,
  sliceId: SliceId,
  exclude: ReadonlySet<NodeId> = new Set(),
): NodeId | undefined {
  let best: NodeId | undefined;
  let bestKey: number[] = [];
  for (const m of work.slice(sliceId).members) {
    if (m.role !== 'replica' || !isUp(view, m.node) || exclude.has(m.node)) continue;
    const t = work.tally(m.node);
    const key = [t.reads, t.rankings, m.node];
    if (best === undefined || compareKeys(key, bestKey) < 0) {
      best = m.node;
      bestKey = key;
    }
  }
  return best;
}
