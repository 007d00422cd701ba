import { viewCluster } from './cluster';
import { formatRange } from './hashSpace';
import type { ClusterNode, LoadReport, Placement, Slice } from './model';
import { sliceWeights } from './weights';
import { WorkingPlacement } from './workingPlacement';

/**
 * Text views of a placement, one line per slice or node. Stable across runs, so golden files
 * and logs can diff them.
 */
export function formatSlice(slice: Slice): string {
  const members = slice.members
    .map((m) => {
      const tag = m.node === slice.rankingReplica ? '*' : '';
      return `n${m.node}${tag}:${m.role}@${m.zone}`;
    })
    .join(' ');
  return `slice ${slice.id} ${formatRange(slice.range)} ${members}`;
}

export function formatPlacement(placement: Placement): string[] {
  const lines: string[] = [];
  for (const rep of placement.representations) {
    const { replicas, loggers, learners } = rep.replication;
    lines.push(
      `${rep.name} (id ${rep.id}, replicas=${replicas} loggers=${loggers} learners=${learners})`,
    );
    for (const slice of rep.slices) lines.push(`  ${formatSlice(slice)}`);
  }
  return lines;
}

/**
 * Per node: members by role, ranking replicas, and with a load report the bytes held and
 * reads served. Nodes that are not up are listed with their state.
 */
export function formatNodeLoad(
  placement: Placement,
  nodes: readonly ClusterNode[],
  load?: LoadReport,
): string[] {
  const view = viewCluster(nodes);
  const work = new WorkingPlacement(placement, sliceWeights(load));
  return [...view.byId.values()]
    .sort((a, b) => a.id - b.id)
    .map((node) => {
      const t = work.tally(node.id);
      const state = node.state === 'up' ? '' : ` (${node.state})`;
      const measured = load === undefined ? '' : ` bytes=${t.data} reads=${t.reads}`;
      return (
        `n${node.id}@${node.zone}${state}: replicas=${t.replicas} loggers=${t.loggers} ` +
        `learners=${t.learners} ranking=${t.rankings}${measured}`
      );
    });
}
