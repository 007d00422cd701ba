import type { RebalancerActivity } from '@tessera/cluster';
import { hotReasonPrefix } from '@tessera/cluster';
import type { NodeId, SliceId } from '@tessera/placement';

/**
 * Checkers over the control plane's rebalancer history (`system.rebalancer_activity`): what
 * the rebalancer says it did, judged against what a scenario did to the cluster. Pure, like
 * every checker here.
 */

/**
 * Zone (or node) loss: each slice ranked on a lost node was re-ranked off it (a `rerank`
 * whose `from` is that node), and before anything was added to replace a member of the slice
 * — service comes back by moving leadership to a surviving copy at once; copying data comes
 * after. `rankedOn` maps each such slice to the lost node that ranked it.
 */
export function checkRerankBeforeReplace(
  activity: readonly RebalancerActivity[],
  rankedOn: ReadonlyMap<SliceId, NodeId>,
): string[] {
  const found: string[] = [];
  for (const [slice, node] of rankedOn) {
    const rerank = activity.find(
      (a) => a.action === 'rerank' && a.sliceId === slice && a.from === node,
    );
    const firstAdd = activity.find((a) => a.action === 'add' && a.sliceId === slice);
    if (rerank === undefined) {
      found.push(`slice ${slice}: no rerank off n${node} in the rebalancer history`);
    } else if (firstAdd !== undefined && firstAdd.id < rerank.id) {
      found.push(
        `slice ${slice}: add #${firstAdd.id} (n${firstAdd.from} → n${firstAdd.to}) came before ` +
          `its rerank #${rerank.id} off n${node}`,
      );
    }
  }
  return found;
}

/**
 * Re-ranks off `node` for load: `rerank` entries from it whose reason is the hot-node
 * re-rank's (`hot: n1 serves 900 reads/s, …`), not a failure's (`node 1 down`, `draining`)
 * nor a move's hand-over (`n1 hands over to n3 before it leaves the slice`).
 */
export function loadReranksOff(
  activity: readonly RebalancerActivity[],
  node: NodeId,
): RebalancerActivity[] {
  return activity.filter(
    (a) => a.action === 'rerank' && a.from === node && a.reason.startsWith(hotReasonPrefix),
  );
}

/**
 * Hot-node re-rank: at least one slice was re-ranked off the hot node for load, every such
 * entry moves it to another node, and the history holds no `add`, `move` or `remove`
 * (re-ranking copies nothing).
 */
export function checkHotRerank(activity: readonly RebalancerActivity[], hot: NodeId): string[] {
  const found: string[] = [];
  const reranks = loadReranksOff(activity, hot);
  if (reranks.length === 0) {
    const other = activity.filter((a) => a.action === 'rerank');
    found.push(
      `no slice was re-ranked off the hot node n${hot} for load (${other.length} other re-ranks: ` +
        `${other
          .slice(0, 5)
          .map((a) => `slice ${a.sliceId} n${a.from} → n${a.to} "${a.reason}"`)
          .join('; ')})`,
    );
  }
  for (const a of reranks) {
    if (a.to === hot) found.push(`rerank #${a.id} of slice ${a.sliceId} moves n${hot} to itself`);
  }
  const moves = activity.filter(
    (a) => a.action === 'add' || a.action === 'move' || a.action === 'remove',
  );
  for (const a of moves.slice(0, 5)) {
    found.push(
      `the history holds ${a.action} #${a.id} of slice ${a.sliceId} (n${a.from} → n${a.to}, "${a.reason}"): data moved`,
    );
  }
  return found;
}

/**
 * Each member a lost node held (`heldOn`: slice → node) was replaced: the history holds a
 * `done` copy off that node — an `add` (a replacement), or a `move` that was already under
 * way when the node died (its learner caught up from the survivors) — and the `remove` of the
 * node's member.
 */
export function checkReplacedOff(
  activity: readonly RebalancerActivity[],
  heldOn: ReadonlyMap<SliceId, NodeId>,
): string[] {
  const found: string[] = [];
  for (const [slice, node] of heldOn) {
    const copied = activity.some(
      (a) =>
        (a.action === 'add' || a.action === 'move') &&
        a.sliceId === slice &&
        a.from === node &&
        a.state === 'done',
    );
    const removed = activity.some(
      (a) => a.action === 'remove' && a.sliceId === slice && a.from === node,
    );
    if (!copied || !removed) {
      found.push(
        `slice ${slice}: ${copied ? '' : 'no done add or move off'}` +
          `${!copied && !removed ? ', ' : ''}${removed ? '' : 'no remove of'} n${node}`,
      );
    }
  }
  return found;
}
