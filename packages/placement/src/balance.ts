import type { ClusterView } from './cluster';
import type { NodeId } from './model';
import type { NodeTally, WorkingPlacement } from './workingPlacement';

/** Largest max/min ratio of bytes per node that counts as balanced when sizes are known. */
export const balancedRatioMax = 1.25;

/**
 * True when a metric is as even as the rebalancer aims for: within one unit for counts (the
 * best that whole members allow), within balancedRatioMax for measured bytes or reads.
 */
export function isBalanced(values: readonly number[], measured: boolean): boolean {
  if (values.length < 2) return true;
  const max = Math.max(...values);
  const min = Math.min(...values);
  if (!measured) return max - min <= 1;
  return max === 0 || (min > 0 && max / min <= balancedRatioMax);
}

/** Up nodes ordered by a metric, heaviest first; ties to the lower id. */
export function heaviestFirst(
  work: WorkingPlacement,
  view: ClusterView,
  metric: (t: NodeTally) => number,
): NodeId[] {
  return view.up
    .map((n) => ({ id: n.id, value: metric(work.tally(n.id)) }))
    .sort((a, b) => b.value - a.value || a.id - b.id)
    .map((n) => n.id);
}
