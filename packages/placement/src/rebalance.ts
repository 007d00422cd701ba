import type { PlacementChange, PromoteChange } from './changes';
import { viewCluster } from './cluster';
import { Mover } from './memberMoves';
import type { ClusterNode, LoadReport, Placement, SliceId } from './model';
import { PlanBuilder } from './plan';
import { rerank } from './rerank';
import { holdsData } from './rules';
import { sliceWeights } from './weights';
import { WorkingPlacement } from './workingPlacement';

export interface RebalanceOptions {
  /** Per-slice bytes and reads/s. Without it, members and ranking replicas are counted. */
  readonly load?: LoadReport;
  /** Upper bound on the number of changes in one plan; a move is never cut in half. */
  readonly maxChanges?: number;
  /**
   * Slices the plan must leave as they are (neither moved nor re-ranked): the caller has a
   * task under way on them, or moved them too recently to move them again.
   */
  readonly fixed?: ReadonlySet<SliceId>;
  /**
   * Whether a data replica may move onto a node holding the slice's logger, trading places
   * with it (default true). A caller that carries out only add-then-remove moves (the control
   * plane's rebalancer) passes false, so that the plan holds moves it can make — otherwise a
   * swap planned first leaves the cluster unbalanced when no other move is tried.
   */
  readonly swaps?: boolean;
}

export const defaultMaxChanges = 64;

/**
 * Moves that even out the cluster, for a placement that is already valid (run planRepair
 * first). Three passes, sharing the change budget:
 *
 *   1. data: move data copies from the node holding the most bytes (or copies) to the one
 *      holding the fewest, until balanced (balance.ts) or no move helps;
 *   2. loggers: the same by logger count;
 *   3. ranking: re-rank slices off the nodes serving the most reads (rerank.ts).
 *
 * A data replica moves as addLearner → promoteLearner → (promote, if it ranked) → remove,
 * so the slice never has fewer data replicas than configured (memberMoves.ts). Each move is chosen to shrink
 * the gap between the two nodes it touches, which bounds the plan near the fewest moves.
 */
export function planRebalance(
  placement: Placement,
  nodes: readonly ClusterNode[],
  options: RebalanceOptions = {},
): PlacementChange[] {
  const view = viewCluster(nodes);
  const weights = sliceWeights(options.load);
  const work = new WorkingPlacement(placement, weights);
  const plan = new PlanBuilder(work);
  const budget = options.maxChanges ?? defaultMaxChanges;
  const fixed = options.fixed ?? new Set<SliceId>();
  const mover = new Mover(work, view, plan, budget, fixed, options.swaps ?? true);
  // A logger move can free the zone that blocked a data move, and back: repeat both passes
  // until neither moves anything (each move lowers a sum of squares, so this ends).
  for (let moved = true; moved;) {
    const before = plan.size;
    mover.balance(
      (t) => t.data,
      weights.measured,
      holdsData,
      (s) => weights.dataOf(s),
    );
    mover.balance(
      (t) => t.loggers,
      false,
      (role) => role === 'logger',
      () => 1,
    );
    moved = plan.size > before;
  }
  rerank(work, view, plan, budget, fixed);
  return plan.changes();
}

/**
 * The ranking pass of `planRebalance` alone: promotions that move ranking replicas off the
 * nodes serving the most reads (by `load`'s reads/s; ranking counts without reads) onto
 * other data replicas of the same slices. Nothing is copied, so the control plane can apply
 * it in one step when a node runs hot (cluster's rebalancer decides when).
 */
export function planRerank(
  placement: Placement,
  nodes: readonly ClusterNode[],
  options: RebalanceOptions = {},
): PromoteChange[] {
  const view = viewCluster(nodes);
  const work = new WorkingPlacement(placement, sliceWeights(options.load));
  const plan = new PlanBuilder(work);
  rerank(work, view, plan, options.maxChanges ?? defaultMaxChanges, options.fixed);
  return plan.changes().filter((c): c is PromoteChange => c.kind === 'promote');
}
