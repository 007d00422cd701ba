import { heaviestFirst, isBalanced } from './balance';
import type { ClusterView } from './cluster';
import { isUp } from './cluster';
import type { NodeId, SliceId } from './model';
import type { PlanBuilder } from './plan';
import type { NodeTally, WorkingPlacement } from './workingPlacement';

/** What re-ranking evens out: reads served when they are known, else ranking counts. */
interface RankingMetric {
  readonly measured: boolean;
  readonly of: (t: NodeTally) => number;
  readonly weightOf: (slice: SliceId) => number;
  readonly unit: string;
}

function rankingMetric(work: WorkingPlacement): RankingMetric {
  const slices = work.sliceList();
  const anyReads = slices.some((s) => work.weights.readsOf(s.id) > 0);
  if (work.weights.measured && anyReads) {
    return {
      measured: true,
      of: (t) => t.reads,
      weightOf: (s) => work.weights.readsOf(s),
      unit: 'reads/s',
    };
  }
  return { measured: false, of: (t) => t.rankings, weightOf: () => 1, unit: 'ranking replicas' };
}

/**
 * Moves ranking replicas off the nodes serving the most reads (or ranking the most slices,
 * when reads are unknown or all zero) onto another data replica of the same slice.
 * Re-ranking moves no data, so it is the cheap cure for a hot node. Each step must leave both
 * nodes it touches below the hot node's starting load: the sum of squares falls, so the pass
 * ends.
 */
export function rerank(
  work: WorkingPlacement,
  view: ClusterView,
  plan: PlanBuilder,
  budget: number,
  fixed: ReadonlySet<SliceId> = new Set(),
): void {
  const metric = rankingMetric(work);
  for (let guard = 10_000; guard > 0 && plan.size < budget; guard--) {
    const order = heaviestFirst(work, view, metric.of);
    if (
      isBalanced(
        order.map((id) => metric.of(work.tally(id))),
        metric.measured,
      )
    )
      return;
    const steps = metric.measured
      ? bestStep(work, view, order, metric, fixed)
      : shortestHandOverChain(work, view, order, metric, fixed);
    if (steps === undefined || plan.size + steps.length > budget) return;
    const reason = (from: NodeId, to: NodeId) =>
      `n${from} has ${metric.of(work.tally(from))} ${metric.unit}, n${to} ${metric.of(work.tally(to))}`;
    for (const [slice, from, to] of steps) {
      plan.emit('step', { kind: 'promote', slice, from, to, reason: reason(from, to) });
    }
  }
}

type HandOver = [SliceId, NodeId, NodeId];

/**
 * Counting ranking replicas, one hand-over is often stuck: the busiest node may share no
 * slice with the idlest. A chain a → b → c (a hands one slice to b, b another to c) moves one
 * ranking from a to c and leaves b as it was. Breadth-first search finds the shortest chain
 * from the busiest node to any node with at least two fewer.
 */
function shortestHandOverChain(
  work: WorkingPlacement,
  view: ClusterView,
  order: readonly NodeId[],
  metric: RankingMetric,
  fixed: ReadonlySet<SliceId>,
): HandOver[] | undefined {
  for (const source of order) {
    const limit = metric.of(work.tally(source)) - 2;
    const cameFrom = new Map<NodeId, HandOver | null>([[source, null]]);
    const queue: NodeId[] = [source];
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head];
      if (node === undefined) break;
      if (node !== source && metric.of(work.tally(node)) <= limit) {
        const chain: HandOver[] = [];
        for (let step = cameFrom.get(node); step; step = cameFrom.get(step[1])) chain.unshift(step);
        return chain;
      }
      for (const slice of work.sliceList()) {
        if (slice.rankingReplica !== node || fixed.has(slice.id)) continue;
        for (const m of slice.members) {
          if (m.role !== 'replica' || cameFrom.has(m.node) || !isUp(view, m.node)) continue;
          cameFrom.set(m.node, [slice.id, node, m.node]);
          queue.push(m.node);
        }
      }
    }
  }
  return undefined;
}

/** From the hottest node that has one, the re-rank that best evens the pair it touches. */
function bestStep(
  work: WorkingPlacement,
  view: ClusterView,
  order: readonly NodeId[],
  metric: RankingMetric,
  fixed: ReadonlySet<SliceId>,
): HandOver[] | undefined {
  for (const from of order) {
    const hot = metric.of(work.tally(from));
    let best: HandOver | undefined;
    let bestPeak = hot;
    for (const slice of work.sliceList()) {
      if (slice.rankingReplica !== from || fixed.has(slice.id)) continue;
      const w = metric.weightOf(slice.id);
      if (w <= 0) continue;
      for (const m of slice.members) {
        if (m.role !== 'replica' || m.node === from || !isUp(view, m.node)) continue;
        const peak = Math.max(hot - w, metric.of(work.tally(m.node)) + w);
        if (peak < bestPeak) {
          best = [slice.id, from, m.node];
          bestPeak = peak;
        }
      }
    }
    if (best !== undefined) return [best];
  }
  return undefined;
}
